package io.github.echoserver.server;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.ChildConsole;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.ServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13 point 1: the accept loop survives running out of file descriptors, in both I/O
 * kinds. The server runs as a child JVM under {@code ulimit -n} {@value #DESCRIPTOR_LIMIT}
 * (its own limit, not the tests'), and {@value #CLIENTS} clients connect: the kernel queues
 * them all, the server accepts until its descriptors run out, then accepting fails with "Too
 * many open files". Meanwhile the {@code echo} health component is DOWN with that reason (read
 * over an admin connection opened before, as a new one could not be accepted either). Then the
 * clients close: a new client is served again, the failures were counted as
 * {@code echo.errors{type=accept}} and said at WARN, health is UP again, and the startup line
 * about the descriptor limit was there.
 */
class AcceptFailureTests {

	/** Enough for the JVM and its jars with a little room, far below the clients. */
	private static final int DESCRIPTOR_LIMIT = 300;

	private static final int CLIENTS = 400;

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final String OUT_OF_DESCRIPTORS = "Too many open files";

	@ParameterizedTest(name = "io={0}, mode={1}")
	@CsvSource({ "nio, pooled", "blocking, per-connection", "blocking, pooled" })
	@Timeout(value = 240, unit = TimeUnit.SECONDS)
	void acceptingResumesOnceDescriptorsAreFreeAfterRunningOut(String io, String mode) throws Exception {
		// A waiting queue that holds every client: the blocking pool would refuse (and close) all
		// but 8 + 64 of them by default, and never run out of descriptors.
		ServerProcess server = ServerProcess.startWithDescriptorLimit(DESCRIPTOR_LIMIT, ChildConsole.QUICK_START,
				"echo.io=" + io, "echo.mode=" + mode, "echo.pool.queue-capacity=" + CLIENTS);
		List<Socket> clients = new ArrayList<>();
		try {
			// Its echo port and then its admin port: a wait for each.
			int port = server.awaitListening(WAIT.multipliedBy(2)).tcpPort();
			// Ready (UP) once the application has started, a moment after its web server.
			await().atMost(WAIT).untilAsserted(() -> assertThat(health(server).path("status").asString()).isEqualTo("UP"));
			// One client served and gone first. The child loads its classes from a directory, a file
			// each: one loaded for the first time with no descriptor left would fail for good.
			try (EchoClient first = EchoClient.connect(port)) {
				first.sendLine("first");
				assertThat(first.readLine()).isEqualTo("server echo# first");
			}
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(AdminApi.parse(server.get("/actuator/echo").body())
					.at("/connections/closed")
					.asInt()).isEqualTo(1));

			for (int i = 0; i < CLIENTS; i++) {
				Socket client = new Socket();
				clients.add(client);
				client.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
			}
			await().atMost(WAIT)
				.pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(server.lines()).as("the server ran out of descriptors")
					.anyMatch((line) -> line.contains(OUT_OF_DESCRIPTORS)));
			JsonNode failing = health(server).at("/components/echo");
			assertThat(failing.path("status").asString()).as("health while accepting fails: %s", failing)
				.isEqualTo("DOWN");
			assertThat(failing.at("/details/reason").asString()).isEqualTo("cannot accept: " + OUT_OF_DESCRIPTORS);

			for (Socket client : clients) {
				client.close();
			}
			await().atMost(WAIT)
				.pollInterval(Duration.ofMillis(500))
				.ignoreExceptions()
				.untilAsserted(() -> {
					try (EchoClient client = EchoClient.connect(port)) {
						client.sendLine("served again");
						assertThat(client.readLine()).isEqualTo("server echo# served again");
					}
				});

			String scrape = server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_errors_total", "type=\"accept\"")).as("echo.errors{type=accept}")
				.isPositive();
			await().atMost(WAIT).untilAsserted(() -> assertThat(health(server).path("status").asString()).isEqualTo("UP"));
			assertThat(server.lines()).as("the server's output")
				.anyMatch((line) -> line.contains(" WARN ") && line.contains("Cannot accept connections on port " + port)
						&& line.contains(OUT_OF_DESCRIPTORS))
				.anyMatch((line) -> line.contains(" WARN ")
						&& line.contains("The file descriptor limit (" + DESCRIPTOR_LIMIT + ") is below"))
				.noneMatch((line) -> line.contains(" ERROR "));
		}
		catch (Throwable failure) {
			System.out.println("AcceptFailureTests io=" + io + ", mode=" + mode + ": the server's output:\n"
					+ server.output());
			throw failure;
		}
		finally {
			for (Socket client : clients) {
				client.close();
			}
			server.close();
		}
	}

	/** {@code GET /actuator/health}, whatever its status (503 when DOWN). */
	private static JsonNode health(ServerProcess server) {
		return AdminApi.parse(server.get("/actuator/health").body());
	}

}
