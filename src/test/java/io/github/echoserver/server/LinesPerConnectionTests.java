package io.github.echoserver.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.SupervisorProcess;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.PREFIX;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code echo.lines-per-connection}: after the reply to that many lines the server closes the
 * connection without a word (a request-response client reads its replies, then the end of the
 * stream), in every mode and I/O; lines read after the last one answered are dropped and counted.
 * With {@code pooled} + {@code blocking}, the short-lived model lets two workers answer fifty
 * clients in turn, where the long-lived model answers two and keeps the rest waiting.
 */
class LinesPerConnectionTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final int CLIENTS = 50;

	/** How long a supervisor may take until every worker listens: several JVMs start at once. */
	private static final Duration LISTEN = Duration.ofSeconds(180);

	/** Clients of the multi-process test, enough for the kernel to hand both workers some. */
	private static final int PROCESS_CLIENTS = 8;

	@ParameterizedTest(name = "mode={0}, io={1}, lines-per-connection={2}")
	@CsvSource({ "single, blocking, 1", "single, blocking, 3", "per-connection, blocking, 1",
			"per-connection, blocking, 3", "pooled, blocking, 1", "pooled, blocking, 3", "single, nio, 1",
			"single, nio, 3", "pooled, nio, 1", "pooled, nio, 3" })
	void afterItsLinesAConnectionIsClosedWithoutALineAndTheLinesAfterThemAreDropped(String mode, String io,
			int lines) {
		try (RunningServer server = RunningServer.start("echo.mode=" + mode, "echo.io=" + io,
				"echo.lines-per-connection=" + lines)) {
			// Two lines more than the limit, in one write: the server reads them together.
			try (EchoClient pipelining = server.connect()) {
				StringBuilder request = new StringBuilder();
				StringBuilder replies = new StringBuilder();
				for (int i = 1; i <= lines + 2; i++) {
					request.append("line ").append(i).append('\n');
					if (i <= lines) {
						replies.append(PREFIX).append("line ").append(i).append("\r\n");
					}
				}
				pipelining.send(request.toString());
				assertThat(text(pipelining.readToEnd())).as("exactly the replies, then the end of the stream")
					.isEqualTo(replies.toString());
			}
			// One line at a time: the count runs across reads.
			try (EchoClient conversing = server.connect()) {
				for (int i = 1; i <= lines; i++) {
					assertEchoes(conversing, "turn " + i);
				}
				assertThat(conversing.readToEnd()).isEmpty();
			}
			ConnectionRegistry registry = server.registry();
			await().atMost(WAIT).untilAsserted(() -> assertThat(registry.closed(Ending.LINES_DONE)).isEqualTo(2));
			assertThat(registry.linesDropped()).isEqualTo(2);
			assertThat(registry.linesEchoed()).isEqualTo(2L * lines);
			assertThat(registry.active()).isZero();
		}
	}

	/**
	 * The short-lived model of the teaching material: two workers, fifty clients with one line
	 * each, all connected and sent before any reads; every one is answered and closed, as each
	 * worker is back in the pool once its client has its reply.
	 */
	@Test
	void twoBlockingWorkersAnswerFiftyOneLineClientsInTurn() {
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=blocking", "echo.pool.size=2",
				"echo.pool.queue-capacity=64", "echo.lines-per-connection=1")) {
			List<EchoClient> clients = new ArrayList<>();
			try {
				connectSendingOneLineEach(server, clients);
				for (int i = 0; i < CLIENTS; i++) {
					assertThat(text(clients.get(i).readToEnd())).isEqualTo(PREFIX + "request " + i + "\r\n");
				}
			}
			finally {
				clients.forEach(EchoClient::close);
			}
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(server.registry().closed(Ending.LINES_DONE)).isEqualTo(CLIENTS));
			JsonNode echo = AdminApi.echo(server);
			assertThat(echo.at("/linesPerConnection").asInt()).isEqualTo(1);
			assertThat(echo.at("/traffic/linesEchoed").asInt()).isEqualTo(CLIENTS);
			assertThat(echo.at("/traffic/linesDropped").asInt()).isZero();
			assertThat(echo.at("/connections/rejected").asInt()).isZero();
			assertThat(echo.at("/connections/active").asInt()).isZero();
			assertThat(echo.at("/pool/largestPoolSize").asInt()).as("two workers served them all").isEqualTo(2);
			String scrape = server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_connections_closed_total", "reason=\"lines-done\""))
				.isEqualTo((double) CLIENTS);
			assertThat(AdminApi.sample(scrape, "echo_lines_dropped_total", "")).isZero();
		}
	}

	/**
	 * The long-lived model with the same pool: the first two clients hold both workers, so two
	 * lines are answered and forty-eight clients wait, and keep waiting, for a worker; each
	 * client can send many lines.
	 */
	@Test
	void withZeroTwoBlockingWorkersAnswerTwoClientsAndTheRestWait() {
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=blocking", "echo.pool.size=2",
				"echo.pool.queue-capacity=64")) {
			List<EchoClient> clients = new ArrayList<>();
			try {
				connectSendingOneLineEach(server, clients);
				assertThat(clients.get(0).readLine()).isEqualTo(PREFIX + "request 0");
				assertThat(clients.get(1).readLine()).isEqualTo(PREFIX + "request 1");
				await().atMost(WAIT).untilAsserted(() -> {
					JsonNode echo = AdminApi.echo(server);
					assertThat(echo.at("/connections/active").asInt()).isEqualTo(CLIENTS);
					assertThat(echo.at("/connections/waiting").asInt()).isEqualTo(CLIENTS - 2);
				});
				JsonNode echo = AdminApi.echo(server);
				assertThat(echo.at("/linesPerConnection").asInt()).isZero();
				assertThat(echo.at("/traffic/linesEchoed").asInt()).isEqualTo(2);
				for (int i = 0; i < 100; i++) {
					assertEchoes(clients.get(0), "more " + i);
				}
				assertThat(AdminApi.echo(server).at("/connections/waiting").asInt()).isEqualTo(CLIENTS - 2);
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}
	}

	/**
	 * With {@code processes > 1} each worker applies the setting to its own connections, and the
	 * supervisor's admin API and meters add up the closes and the dropped lines of all of them.
	 */
	@Test
	@Timeout(value = 300, unit = TimeUnit.SECONDS)
	void eachWorkerProcessClosesAfterItsLinesAndTheSupervisorCountsThem() {
		try (SupervisorProcess supervisor = SupervisorProcess.start(2, "echo.standby-process=false",
				"echo.lines-per-connection=1")) {
			supervisor.awaitListening(LISTEN);
			for (int i = 0; i < PROCESS_CLIENTS; i++) {
				try (EchoClient client = EchoClient.connect(supervisor.tcpPort())) {
					client.send("first " + i + "\nsecond\nthird\n");
					assertThat(text(client.readToEnd())).isEqualTo(PREFIX + "first " + i + "\r\n");
				}
			}
			assertThat(supervisor.echo().at("/linesPerConnection").asInt()).isEqualTo(1);
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(supervisor.echo().at("/traffic/linesDropped").asInt()).isEqualTo(2 * PROCESS_CLIENTS);
				String scrape = supervisor.prometheus();
				assertThat(sumOf(scrape, "echo_connections_closed_total", "reason=\"lines-done\""))
					.isEqualTo(PROCESS_CLIENTS);
				assertThat(sumOf(scrape, "echo_lines_dropped_total", "process=")).isEqualTo(2 * PROCESS_CLIENTS);
			});
		}
	}

	/** {@link #CLIENTS} clients, each sent {@code request <i>} once connected, into {@code clients}. */
	private static void connectSendingOneLineEach(RunningServer server, List<EchoClient> clients) {
		for (int i = 0; i < CLIENTS; i++) {
			EchoClient client = server.connect();
			clients.add(client);
			client.sendLine("request " + i);
		}
	}

	/** The sum of every sample of {@code metric} whose labels contain {@code label}, over the workers. */
	private static double sumOf(String scrape, String metric, String label) {
		Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)").matcher(scrape);
		double sum = 0;
		while (matcher.find()) {
			if (matcher.group(1).contains(label)) {
				sum += Double.parseDouble(matcher.group(2));
			}
		}
		return sum;
	}

	/** With raw framing a line is one read: the server echoes what one read brought, then closes. */
	@Test
	void withRawFramingOneReadIsOneLine() {
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=nio", "echo.framing=raw",
				"echo.lines-per-connection=1"); EchoClient client = server.connect()) {
			client.send("no newline here");
			assertThat(text(client.readToEnd())).isEqualTo("no newline here");
		}
	}

}
