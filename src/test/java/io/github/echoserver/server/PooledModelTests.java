package io.github.echoserver.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.AdminApi.json;
import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code echo.mode=pooled} bounds the work by {@code echo.pool.size}: with blocking I/O each
 * worker serves one client, {@code queue-capacity} more wait and the next is refused with
 * {@code server busy#}; with NIO a few workers serve hundreds of connected clients.
 */
class PooledModelTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final int NIO_CLIENTS = 500;

	/**
	 * Threads that may start while the NIO clients are served, none of them for a client: the
	 * admin API's request threads ({@code server.tomcat.threads.max} is 16) and a few of the JVM's.
	 */
	private static final int MOST_OTHER_THREADS = 32;

	@Test
	void blockingServesPoolSizeClientsQueuesOneAndRefusesTheNext() {
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=blocking", "echo.pool.size=2",
				"echo.pool.queue-capacity=1");
				EchoClient first = server.connect();
				EchoClient second = server.connect()) {
			assertEchoes(first, "one");
			assertEchoes(second, "two");
			try (EchoClient third = server.connect()) {
				third.sendLine("three");
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(server.stateOf(third)).contains(ConnectionState.WAITING);
					assertThat(server.registry().waiting()).isEqualTo(1);
					assertThat(server.context().getBean(ConnectionModel.class).state().queued()).isEqualTo(1);
				});
				JsonNode echo = json(server.get("/actuator/echo"));
				assertThat(echo.path("connections").path("waiting").asInt()).isEqualTo(1);
				assertThat(echo.path("pool").path("queued").asInt()).isEqualTo(1);
				assertThat(echo.path("pool").path("activeThreads").asInt()).isEqualTo(2);
				assertThat(echo.path("pool").path("largestPoolSize").asInt()).isEqualTo(2);

				try (EchoClient fourth = server.connect()) {
					String refusal = text(fourth.readToEnd());
					assertThat(refusal).startsWith("server busy# ").endsWith("\r\n");
					assertThat(refusal.lines()).hasSize(1);
				}
				assertThat(server.registry().rejected(RejectionReason.POOL_FULL)).isEqualTo(1);
				assertThat(server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isZero();
				assertThat(json(server.get("/actuator/echo")).path("connections").path("rejected").asInt())
					.isEqualTo(1);

				// The served clients are unaffected, and the waiting one still waits.
				assertEchoes(first, "one again");
				assertEchoes(second, "two again");
				assertThat(server.stateOf(third)).contains(ConnectionState.WAITING);

				first.close();
				assertThat(third.readLine()).isEqualTo("server echo# three");
				assertEchoes(third, "three again");
				assertThat(server.stateOf(third)).contains(ConnectionState.SERVING);
				assertThat(server.registry().waiting()).isZero();
			}
		}
	}

	/**
	 * Two event loops serve every client: the server starts two {@code echo-loop} threads, and
	 * serving {@link #NIO_CLIENTS} clients, each with a line in flight at once, starts no thread
	 * per client (the admin API's own few request threads aside).
	 */
	@Test
	void nioServesFiveHundredConnectedClientsWithTwoWorkers() {
		Set<Thread> before = Thread.getAllStackTraces().keySet();
		List<EchoClient> clients = new ArrayList<>();
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=nio", "echo.pool.size=2")) {
			Set<Thread> started = Thread.getAllStackTraces().keySet();
			assertThat(newThreads(before, started)).filteredOn((thread) -> thread.getName().startsWith("echo-loop-"))
				.extracting(Thread::getName)
				.containsExactlyInAnyOrder("echo-loop-1", "echo-loop-2");
			try {
				for (int i = 0; i < NIO_CLIENTS; i++) {
					EchoClient client = server.connect();
					clients.add(client);
					assertEchoes(client, "first " + i);
				}
				assertThat(server.registry().active()).isEqualTo(NIO_CLIENTS);
				assertThat(server.registry().waiting()).isZero();
				// Every client has a line in flight at once, then each reads its own reply.
				for (int i = 0; i < NIO_CLIENTS; i++) {
					clients.get(i).sendLine("second " + i);
				}
				for (int i = 0; i < NIO_CLIENTS; i++) {
					assertThat(clients.get(i).readLine()).isEqualTo("server echo# second " + i);
				}
				assertThat(server.registry().active()).isEqualTo(NIO_CLIENTS);
				JsonNode pool = json(server.get("/actuator/echo")).path("pool");
				assertThat(pool.path("kind").asString()).isEqualTo("event-loop");
				assertThat(pool.path("maxSize").asInt()).isEqualTo(2);
				assertThat(newThreads(started, Thread.getAllStackTraces().keySet()))
					.as("threads started while serving %d clients", NIO_CLIENTS)
					.hasSizeLessThan(MOST_OTHER_THREADS)
					.noneMatch((thread) -> thread.getName().startsWith("echo-loop-"));
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}
	}

	private static List<Thread> newThreads(Set<Thread> before, Set<Thread> after) {
		return after.stream().filter((thread) -> !before.contains(thread)).toList();
	}

}
