package io.github.echoserver.admin;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.AdminApi.entryOf;
import static io.github.echoserver.testing.AdminApi.findEntry;
import static io.github.echoserver.testing.AdminApi.parse;
import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves over real HTTP that the admin API of the README's Admin API section (the {@code echo} endpoint, its
 * connection list and close operation, the meters and the health component) reports and acts on
 * what real TCP clients do, for blocking and NIO pooled servers.
 */
class EchoEndpointWebIntegrationTests {

	private static final Duration SETTLE = Duration.ofSeconds(10);

	private static final String PREFIX = "server echo# ";

	@Nested
	@TestInstance(Lifecycle.PER_CLASS)
	class PooledBlocking extends AdminApiContract {

		PooledBlocking() {
			super("blocking", "echo.mode=pooled", "echo.io=blocking");
		}

	}

	@Nested
	@TestInstance(Lifecycle.PER_CLASS)
	class PooledNio extends AdminApiContract {

		PooledNio() {
			super("nio", "echo.mode=pooled", "echo.io=nio");
		}

	}

	/** The tests, run against one server per subclass; counters are compared before and after. */
	abstract class AdminApiContract {

		private final String io;

		private final String[] properties;

		private RunningServer server;

		AdminApiContract(String io, String... properties) {
			this.io = io;
			this.properties = properties;
		}

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start(this.properties);
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		/** Every test starts with no client connected, whatever the previous test left. */
		@BeforeEach
		void noConnectionsOpen() {
			await().atMost(SETTLE).untilAsserted(() -> assertThat(echo().at("/connections/active").asInt()).isZero());
		}

		@Test
		void describesModeIoFramingListenerAndPool() {
			JsonNode echo = echo();
			assertThat(echo.at("/mode").asString()).isEqualTo("pooled");
			assertThat(echo.at("/io").asString()).isEqualTo(this.io);
			assertThat(echo.at("/framing").asString()).isEqualTo("line");
			assertThat(echo.at("/listening/address").asString()).isEqualTo("127.0.0.1");
			assertThat(echo.at("/listening/port").asInt()).isEqualTo(this.server.tcpPort()).isPositive();
			assertThat(echo.at("/listening/since").isString()).as("listening.since is set").isTrue();
			assertThat(echo.at("/connections/limit").asInt()).isEqualTo(10000);
			// Blocking: 8 workers and a queue of 64 waiting clients; nio: 8 event loops and no queue.
			boolean blocking = "blocking".equals(this.io);
			assertThat(echo.at("/pool/kind").asString()).isEqualTo(blocking ? "thread-pool" : "event-loop");
			assertThat(echo.at("/pool/coreSize").asInt()).isEqualTo(8);
			assertThat(echo.at("/pool/maxSize").asInt()).isEqualTo(8);
			assertThat(echo.at("/pool/queueCapacity").isNull()).isEqualTo(!blocking);
			if (blocking) {
				assertThat(echo.at("/pool/queueCapacity").asInt()).isEqualTo(64);
			}
			assertThat(echo.at("/pool").propertyNames()).contains("poolSize", "activeThreads", "largestPoolSize",
					"queued", "completedTasks", "rejectedTasks");
			assertThat(echo.at("/traffic").propertyNames()).contains("linesEchoed", "bytesIn", "bytesOut");
		}

		@Test
		void countsTheTrafficAndConnectionsOfItsClients() {
			int clients = 3;
			int linesEach = 4;
			JsonNode before = echo();
			List<EchoClient> open = new ArrayList<>();
			long bytesSent = 0;
			long bytesReplied = 0;
			try {
				for (int c = 0; c < clients; c++) {
					open.add(this.server.connect());
				}
				for (int c = 0; c < clients; c++) {
					for (int k = 0; k < linesEach; k++) {
						String line = "client " + c + " line " + k;
						open.get(c).sendLine(line);
						assertThat(open.get(c).readLine()).isEqualTo(PREFIX + line);
						bytesSent += line.length() + 2;
						bytesReplied += PREFIX.length() + line.length() + 2;
					}
				}
				long expectedIn = bytesSent;
				long expectedOut = bytesReplied;
				await().atMost(SETTLE).untilAsserted(() -> {
					JsonNode during = echo();
					assertThat(delta(before, during, "/traffic/linesEchoed")).isEqualTo(clients * linesEach);
					assertThat(delta(before, during, "/traffic/bytesIn")).isEqualTo(expectedIn);
					assertThat(delta(before, during, "/traffic/bytesOut")).isEqualTo(expectedOut);
					assertThat(delta(before, during, "/connections/accepted")).isEqualTo(clients);
					assertThat(during.at("/connections/active").asInt()).isEqualTo(clients);
					assertThat(during.at("/connections/waiting").asInt()).isZero();
					assertThat(delta(before, during, "/connections/closed")).isZero();
					assertThat(delta(before, during, "/connections/rejected")).isZero();
				});
			}
			finally {
				open.forEach(EchoClient::close);
			}
			await().atMost(SETTLE).untilAsserted(() -> {
				JsonNode after = echo();
				assertThat(after.at("/connections/active").asInt()).isZero();
				assertThat(delta(before, after, "/connections/closed")).isEqualTo(clients);
				assertThat(delta(before, after, "/connections/accepted")).isEqualTo(clients);
				assertThat(delta(before, after, "/traffic/linesEchoed")).isEqualTo(clients * linesEach);
			});
		}

		@Test
		void listsEachOpenConnectionWithItsOwnCounters() {
			try (EchoClient two = this.server.connect(); EchoClient one = this.server.connect()) {
				two.sendLine("a");
				assertThat(two.readLine()).isEqualTo(PREFIX + "a");
				two.send("bb\n");
				assertThat(two.readLine()).isEqualTo(PREFIX + "bb");
				one.sendLine("héllo");
				assertThat(one.readLine()).isEqualTo(PREFIX + "héllo");
				int oneIn = "héllo\r\n".getBytes(StandardCharsets.UTF_8).length;
				int oneOut = (PREFIX + "héllo\r\n").getBytes(StandardCharsets.UTF_8).length;
				await().atMost(SETTLE).untilAsserted(() -> {
					JsonNode connections = connections();
					assertThat(connections.isArray()).isTrue();
					assertThat(connections.size()).isEqualTo(2);
					JsonNode entryTwo = entryOf(connections, two);
					assertThat(entryTwo.at("/state").asString()).isEqualTo("serving");
					assertThat(entryTwo.at("/remoteAddress").asString()).isEqualTo("127.0.0.1");
					assertThat(entryTwo.at("/linesEchoed").asLong()).isEqualTo(2);
					assertThat(entryTwo.at("/bytesIn").asLong()).isEqualTo(3 + 3);
					assertThat(entryTwo.at("/bytesOut").asLong()).isEqualTo(2L * PREFIX.length() + 3 + 4);
					JsonNode entryOne = entryOf(connections, one);
					assertThat(entryOne.at("/state").asString()).isEqualTo("serving");
					assertThat(entryOne.at("/linesEchoed").asLong()).isEqualTo(1);
					assertThat(entryOne.at("/bytesIn").asLong()).isEqualTo(oneIn);
					assertThat(entryOne.at("/bytesOut").asLong()).isEqualTo(oneOut);
					for (JsonNode entry : List.of(entryOne, entryTwo)) {
						assertThat(entry.at("/id").asString()).isNotBlank();
						assertThat(entry.at("/openedAt").isString()).isTrue();
						assertThat(entry.at("/lastActivityAt").isString()).isTrue();
					}
					assertThat(entryOne.at("/id").asString()).isNotEqualTo(entryTwo.at("/id").asString());
				});
			}
		}

		@Test
		void deleteClosesThatConnectionWithTheByeLineAndLeavesTheOthersServing() {
			try (EchoClient victim = this.server.connect(); EchoClient bystander = this.server.connect()) {
				victim.sendLine("before");
				assertThat(victim.readLine()).isEqualTo(PREFIX + "before");
				bystander.sendLine("before");
				assertThat(bystander.readLine()).isEqualTo(PREFIX + "before");
				String id = await().atMost(SETTLE)
					.until(() -> idOf(victim), (found) -> found != null);

				HttpResponse<String> response = this.server
					.delete("/actuator/echo/connections/" + URLEncoder.encode(id, StandardCharsets.UTF_8));

				assertThat(response.statusCode()).isEqualTo(204);
				assertThat(text(victim.readToEnd()))
					.isEqualTo("server bye# closed by administrator\r\n");
				bystander.sendLine("after");
				assertThat(bystander.readLine()).isEqualTo(PREFIX + "after");
				await().atMost(SETTLE).untilAsserted(() -> {
					JsonNode connections = connections();
					assertThat(connections.size()).isEqualTo(1);
					assertThat(connections.get(0).at("/remotePort").asInt()).isEqualTo(bystander.localPort());
				});
				assertThat(this.server.delete("/actuator/echo/connections/" + URLEncoder.encode(id, StandardCharsets.UTF_8))
					.statusCode()).as("second DELETE of the same id").isEqualTo(404);
			}
		}

		@Test
		void deleteOfAnUnknownIdAnswers404() {
			try (EchoClient client = this.server.connect()) {
				client.sendLine("x");
				assertThat(client.readLine()).isEqualTo(PREFIX + "x");
				String unknown = URLEncoder.encode("127.0.0.1:1:2:no-such-connection", StandardCharsets.UTF_8);
				assertThat(this.server.delete("/actuator/echo/connections/" + unknown).statusCode()).isEqualTo(404);
				client.sendLine("still served");
				assertThat(client.readLine()).isEqualTo(PREFIX + "still served");
			}
		}

		@Test
		void unknownEchoResourceAnswers404() {
			assertThat(this.server.get("/actuator/echo/nonsense").statusCode()).isEqualTo(404);
			assertThat(this.server.get("/actuator/echo/connections").statusCode()).isEqualTo(200);
		}

		@Test
		void prometheusScrapeHasTheEchoAndExecutorMeters() {
			try (EchoClient client = this.server.connect()) {
				client.sendLine("metered");
				assertThat(client.readLine()).isEqualTo(PREFIX + "metered");
				await().atMost(SETTLE).untilAsserted(() -> {
					HttpResponse<String> response = this.server.get("/actuator/prometheus");
					assertThat(response.statusCode()).isEqualTo(200);
					String scrape = response.body();
					assertThat(AdminApi.sample(scrape, "echo_connections_active", "")).isEqualTo(1.0);
					assertThat(AdminApi.sample(scrape, "echo_lines_total", ""))
						.isEqualTo((double) this.server.registry().linesEchoed())
						.isPositive();
					assertThat(AdminApi.sample(scrape, "echo_connections_rejected_total", "reason=\"too-many-connections\""))
						.isNotNull();
					assertThat(AdminApi.sample(scrape, "echo_connections_accepted_total", ""))
						.isEqualTo((double) this.server.registry().accepted());
					assertThat(scrape).containsPattern(Pattern.compile("(?m)^executor_\\w+\\{[^}]*name=\"echo-workers\""));
					assertThat(AdminApi.sample(scrape, "executor_pool_core_threads", "name=\"echo-workers\"")).isEqualTo(8.0);
				});
			}
		}

		@Test
		void healthHasAnEchoComponentUpWithPortAndMode() {
			HttpResponse<String> response = this.server.get("/actuator/health");
			assertThat(response.statusCode()).isEqualTo(200);
			JsonNode health = parse(response.body());
			assertThat(health.at("/status").asString()).isEqualTo("UP");
			assertThat(health.at("/components/echo/status").asString()).isEqualTo("UP");
			assertThat(health.at("/components/echo/details/port").asInt()).isEqualTo(this.server.tcpPort());
			assertThat(health.at("/components/echo/details/mode").asString()).isEqualTo("pooled");
			assertThat(health.at("/components/echo/details/address").asString()).isEqualTo("127.0.0.1");
		}

		@Test
		void readinessIsUp() {
			HttpResponse<String> response = this.server.get("/actuator/health/readiness");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(parse(response.body()).at("/status").asString()).isEqualTo("UP");
		}

		private JsonNode echo() {
			return AdminApi.echo(this.server);
		}

		private JsonNode connections() {
			return AdminApi.connections(this.server);
		}

		private @Nullable String idOf(EchoClient client) {
			JsonNode entry = findEntry(connections(), client);
			return (entry != null) ? entry.at("/id").asString() : null;
		}

	}

	private static long delta(JsonNode before, JsonNode after, String pointer) {
		return after.at(pointer).asLong() - before.at(pointer).asLong();
	}

}
