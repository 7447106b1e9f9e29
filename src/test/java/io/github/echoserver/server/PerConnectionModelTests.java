package io.github.echoserver.server;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.AdminApi.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code echo.mode=per-connection} gives every connected client a thread of its own (a virtual
 * one with {@code echo.virtual-threads=true}), so many clients are served at once.
 */
class PerConnectionModelTests {

	private static final int CLIENTS = 50;

	@Test
	void servesFiftyConnectedClientsAtOnceEachOnItsOwnThread() {
		try (RunningServer server = RunningServer.start("echo.mode=per-connection")) {
			assertServesFiftyClientsAtOnce(server, "thread-per-connection");
		}
	}

	@Test
	@Tag("java21")
	@EnabledForJreRange(min = JRE.JAVA_21)
	void servesFiftyConnectedClientsAtOnceEachOnItsOwnVirtualThread() {
		try (RunningServer server = RunningServer.start("echo.mode=per-connection", "echo.virtual-threads=true")) {
			assertServesFiftyClientsAtOnce(server, "virtual-thread-per-connection");
		}
	}

	private static void assertServesFiftyClientsAtOnce(RunningServer server, String kind) {
		List<EchoClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < CLIENTS; i++) {
				EchoClient client = server.connect();
				clients.add(client);
				client.sendLine("first " + i);
				assertThat(client.readLine()).isEqualTo("server echo# first " + i);
			}
			JsonNode echo = json(server.get("/actuator/echo"));
			assertThat(echo.path("connections").path("active").asInt()).isEqualTo(CLIENTS);
			assertThat(echo.path("connections").path("waiting").asInt()).isZero();
			JsonNode pool = echo.path("pool");
			assertThat(pool.path("kind").asString()).isEqualTo(kind);
			assertThat(pool.path("activeThreads").asInt()).isEqualTo(CLIENTS);
			// A thread per connection has no pool size and no queue: they are null, not invented.
			for (String field : List.of("coreSize", "maxSize", "poolSize", "largestPoolSize", "queued", "queueCapacity")) {
				assertThat(pool.has(field)).as(field + " present").isTrue();
				assertThat(pool.get(field).isNull()).as(field + " is null").isTrue();
			}

			// Every client has a line in flight at once, then each reads its own reply.
			for (int i = 0; i < CLIENTS; i++) {
				clients.get(i).sendLine("second " + i);
			}
			for (int i = 0; i < CLIENTS; i++) {
				assertThat(clients.get(i).readLine()).isEqualTo("server echo# second " + i);
			}
			assertThat(server.registry().active()).isEqualTo(CLIENTS);
		}
		finally {
			clients.forEach(EchoClient::close);
		}
	}

}
