package io.github.echoserver.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application (the SIGTERM path, DESIGN.md §6) drains the server: replies in flight
 * are written, every open connection, waiting ones included, gets {@code server bye# shutting
 * down} and is closed within {@code echo.shutdown-timeout}, and the port stops listening.
 */
class DrainTests {

	private static final String BYE = "server bye# shutting down\r\n";

	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

	private static final int PIPELINED_LINES = 200;

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	void saysByeToEveryIdleClientAndFinishesWithinTheShutdownTimeout(String io) {
		try (RunningServer server = start("echo.mode=pooled", "echo.io=" + io);
				EchoClient first = server.connect();
				EchoClient second = server.connect();
				EchoClient third = server.connect()) {
			assertEchoes(first, "1");
			assertEchoes(second, "2");
			assertEchoes(third, "3");

			long started = System.nanoTime();
			server.close();
			Duration took = Duration.ofNanos(System.nanoTime() - started);

			assertThat(took).isLessThan(SHUTDOWN_TIMEOUT);
			assertThat(text(first.readToEnd())).isEqualTo(BYE);
			assertThat(text(second.readToEnd())).isEqualTo(BYE);
			assertThat(text(third.readToEnd())).isEqualTo(BYE);
		}
	}

	@Test
	void saysByeToMoreNioClientsThanTheWorkersAndTheirQueueHold() {
		List<EchoClient> clients = new ArrayList<>();
		try (RunningServer server = start("echo.mode=pooled", "echo.io=nio", "echo.pool.size=2",
				"echo.pool.queue-capacity=2")) {
			try {
				for (int i = 0; i < 50; i++) {
					EchoClient client = server.connect();
					clients.add(client);
					assertEchoes(client, "client " + i);
				}
				long started = System.nanoTime();
				server.close();
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(SHUTDOWN_TIMEOUT);
				for (EchoClient client : clients) {
					assertThat(text(client.readToEnd())).isEqualTo(BYE);
				}
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}
	}

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	void answersEveryPipelinedLineSentBeforeCloseThenSaysBye(String io) throws Exception {
		assertPipelinedLinesAnsweredAcrossClose(io, "");
	}

	/**
	 * About 22 KB of lines: more than one socket read of either flavour (8 KiB blocking, 16 KiB
	 * NIO) and less than the loopback receive window, so all of it has reached the server's
	 * socket before the drain starts.
	 */
	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	void answersPipelinedLinesBeyondOneSocketReadSentBeforeCloseThenSaysBye(String io) throws Exception {
		assertPipelinedLinesAnsweredAcrossClose(io, " " + "p".repeat(100));
	}

	private static void assertPipelinedLinesAnsweredAcrossClose(String io, String padding) throws Exception {
		ByteArrayOutputStream lines = new ByteArrayOutputStream();
		for (int i = 0; i < PIPELINED_LINES; i++) {
			lines.writeBytes(("line " + i + padding + "\r\n").getBytes(StandardCharsets.UTF_8));
		}
		try (RunningServer server = start("echo.mode=pooled", "echo.io=" + io);
				EchoClient client = server.connect()) {
			assertEchoes(client, "served");
			client.send(lines.toByteArray());
			CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

			for (int i = 0; i < PIPELINED_LINES; i++) {
				assertThat(client.readLine()).isEqualTo("server echo# line " + i + padding);
			}
			assertThat(text(client.readToEnd())).isEqualTo(BYE);
			closing.get(SHUTDOWN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
		}
	}

	@Test
	void saysByeToAClientStillWaitingForTheSingleWorker() {
		try (RunningServer server = start("echo.mode=single", "echo.io=blocking");
				EchoClient served = server.connect();
				EchoClient waiting = server.connect()) {
			assertEchoes(served, "served");
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(server.stateOf(waiting)).contains(ConnectionState.WAITING);
				assertThat(server.registry().waiting()).isEqualTo(1);
			});

			server.close();

			assertThat(text(served.readToEnd())).isEqualTo(BYE);
			assertThat(text(waiting.readToEnd())).isEqualTo(BYE);
		}
	}

	/**
	 * A client that is still waiting for a worker has already sent lines; no worker will ever
	 * read them, so the drain reads and answers them itself before the bye line. (On loopback a
	 * write has reached the server's socket when it returns.)
	 */
	@Test
	void answersTheLinesOfAClientStillWaitingForAPooledWorker() {
		try (RunningServer server = start("echo.mode=pooled", "echo.io=blocking", "echo.pool.size=1");
				EchoClient served = server.connect();
				EchoClient waiting = server.connect()) {
			assertEchoes(served, "served");
			waiting.sendLine("sent while waiting");
			waiting.sendLine("and another");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(server.stateOf(waiting)).contains(ConnectionState.WAITING));
			ConnectionRegistry registry = server.registry();

			server.close();

			assertThat(text(served.readToEnd())).isEqualTo(BYE);
			assertThat(text(waiting.readToEnd())).isEqualTo(
					"server echo# sent while waiting\r\nserver echo# and another\r\n" + BYE);
			assertThat(registry.linesEchoed()).isEqualTo(3);
		}
	}

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	void stopsListeningOnceClosed(String io) {
		int port;
		try (RunningServer server = start("echo.mode=pooled", "echo.io=" + io);
				EchoClient client = server.connect()) {
			port = server.tcpPort();
			assertEchoes(client, "listening");
			server.close();
		}
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> connectRaw(port));
	}

	private static RunningServer start(String... properties) {
		String[] all = new String[properties.length + 1];
		System.arraycopy(properties, 0, all, 0, properties.length);
		all[properties.length] = "echo.shutdown-timeout=" + SHUTDOWN_TIMEOUT.toSeconds() + "s";
		return RunningServer.start(all);
	}

	private static void connectRaw(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
		}
	}

	private static void assertEchoes(EchoClient client, String line) {
		client.sendLine(line);
		assertThat(client.readLine()).isEqualTo("server echo# " + line);
	}


	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
