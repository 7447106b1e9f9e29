package io.github.echoserver.server;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.AdminApi.connections;
import static io.github.echoserver.testing.AdminApi.entryOf;
import static io.github.echoserver.testing.AdminApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code echo.mode=single} has one worker: with blocking I/O it serves one client until that
 * client leaves while the next one waits, with NIO it serves every client line by line.
 */
class SingleModelTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void blockingServesTheSecondClientOnlyAfterTheFirstLeaves() {
		try (RunningServer server = RunningServer.start("echo.mode=single", "echo.io=blocking");
				EchoClient first = server.connect();
				EchoClient second = server.connect()) {
			first.sendLine("a1");
			assertThat(first.readLine()).isEqualTo("server echo# a1");
			second.sendLine("b1");
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.stateOf(second)).contains(ConnectionState.WAITING);
				assertThat(server.registry().waiting()).isEqualTo(1);
			});
			assertThat(server.stateOf(first)).contains(ConnectionState.SERVING);
			JsonNode echo = json(server.get("/actuator/echo"));
			assertThat(echo.path("connections").path("active").asInt()).isEqualTo(2);
			assertThat(echo.path("connections").path("waiting").asInt()).isEqualTo(1);
			assertThat(echo.path("pool").path("maxSize").asInt()).isEqualTo(1);
			assertThat(adminStateOf(server, second)).isEqualTo("waiting");
			assertThat(adminStateOf(server, first)).isEqualTo("serving");

			// The first client is still served while the second waits.
			first.sendLine("a2");
			assertThat(first.readLine()).isEqualTo("server echo# a2");
			assertThat(server.stateOf(second)).contains(ConnectionState.WAITING);

			first.close();
			assertThat(second.readLine()).isEqualTo("server echo# b1");
			second.sendLine("b2");
			assertThat(second.readLine()).isEqualTo("server echo# b2");
			assertThat(server.stateOf(second)).contains(ConnectionState.SERVING);
			assertThat(server.registry().waiting()).isZero();
		}
	}

	@Test
	void nioServesTwoConnectedClientsInterleavedLineByLineOnOneWorker() {
		try (RunningServer server = RunningServer.start("echo.mode=single", "echo.io=nio");
				EchoClient first = server.connect();
				EchoClient second = server.connect()) {
			for (int i = 0; i < 20; i++) {
				first.sendLine("a" + i);
				assertThat(first.readLine()).isEqualTo("server echo# a" + i);
				second.sendLine("b" + i);
				assertThat(second.readLine()).isEqualTo("server echo# b" + i);
			}
			assertThat(server.registry().active()).isEqualTo(2);
			assertThat(server.registry().waiting()).isZero();
			assertThat(server.stateOf(first)).contains(ConnectionState.SERVING);
			assertThat(server.stateOf(second)).contains(ConnectionState.SERVING);
			JsonNode pool = json(server.get("/actuator/echo")).path("pool");
			assertThat(pool.path("maxSize").asInt()).isEqualTo(1);
			assertThat(pool.path("largestPoolSize").asInt()).isEqualTo(1);
		}
	}

	private static String adminStateOf(RunningServer server, EchoClient client) {
		return entryOf(connections(server), client).path("state").asString();
	}

}
