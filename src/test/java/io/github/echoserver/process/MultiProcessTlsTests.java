package io.github.echoserver.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.SupervisorProcess;
import io.github.echoserver.testing.TlsClients;

import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS with {@code processes: 2} on the blocking transport: every worker serves TLS from the same
 * bundle, and the supervisor's view shows each connection's listener and session. One test:
 * worker JVMs start slowly.
 */
class MultiProcessTlsTests {

	private static final Duration LISTEN = Duration.ofSeconds(180);

	/** Clients connected until both workers have some; the kernel spreads them by address and port. */
	private static final int MAX_CLIENTS = 40;

	@Test
	@Timeout(value = 300, unit = TimeUnit.SECONDS)
	void everyWorkerServesTls() {
		List<EchoClient> clients = new ArrayList<>();
		try (SupervisorProcess supervisor = SupervisorProcess.start(2, TlsClients.serverProperties("echo.io=blocking",
				"echo.mode=per-connection", "echo.standby-process=false"))) {
			supervisor.awaitListening(LISTEN);
			Set<Integer> workers = new TreeSet<>();
			try {
				while (workers.size() < 2 && clients.size() < MAX_CLIENTS) {
					EchoClient client = TlsClients.connect(supervisor.tcpPort());
					clients.add(client);
					assertEchoes(client, "client " + clients.size());
					JsonNode entry = AdminApi.entryOf(supervisor.connections(), client);
					assertThat(entry.at("/listener").asString()).as("%s", entry).isEqualTo("tls");
					assertThat(entry.at("/tls/protocol").asString()).as("%s", entry).isEqualTo("TLSv1.3");
					workers.add(entry.at("/process").asInt());
				}
				assertThat(workers).as("workers that served TLS clients among %d", clients.size())
					.containsExactly(1, 2);
				JsonNode tls = supervisor.echo().at("/tls");
				assertThat(tls.at("/bundle").asString()).as("%s", tls).isEqualTo("test");
				assertThat(tls.at("/port").asInt()).isEqualTo(supervisor.tcpPort());
				assertThat(tls.at("/only").asBoolean()).isTrue();
				assertThat(tls.at("/active").asInt()).as("summed over the workers").isEqualTo(clients.size());
				assertThat(tls.at("/handshakes/ok").asLong()).isEqualTo(clients.size());
				// The meters read each worker's figures as the supervisor last refreshed them.
				await().atMost(LISTEN)
					.untilAsserted(() -> assertThat(
							AdminApi.sample(supervisor.prometheus(), "echo_tls_handshakes_total", "result=\"ok\""))
						.as("worker 1's handshakes, or worker 2's")
						.isPositive());
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}
	}

}
