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
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.testing.DrainLog;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application (the SIGTERM path, the README's Shutdown section) drains the server: replies
 * in flight are written, every open connection, waiting ones included, gets {@code server bye# shutting
 * down} and is closed before {@code echo.shutdown-timeout} (the drain does not log that it ran into
 * it), and the port stops listening.
 */
@ExtendWith(OutputCaptureExtension.class)
class DrainTests {

	private static final String BYE = "server bye# shutting down\r\n";

	/**
	 * Long, so that only a drain that waits for something that never comes runs into it, not one
	 * on a busy machine; every drain here takes milliseconds.
	 */
	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	private static final int PIPELINED_LINES = 200;

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	void saysByeToEveryIdleClientAndFinishesWithinTheShutdownTimeout(String io, CapturedOutput output) {
		try (RunningServer server = start("echo.mode=pooled", "echo.io=" + io);
				EchoClient first = server.connect();
				EchoClient second = server.connect();
				EchoClient third = server.connect()) {
			assertEchoes(first, "1");
			assertEchoes(second, "2");
			assertEchoes(third, "3");

			server.close();

			assertThat(text(first.readToEnd())).isEqualTo(BYE);
			assertThat(text(second.readToEnd())).isEqualTo(BYE);
			assertThat(text(third.readToEnd())).isEqualTo(BYE);
			assertDrainedInTime(output, 3);
		}
	}

	@Test
	void saysByeToMoreNioClientsThanTheWorkersAndTheirQueueHold(CapturedOutput output) {
		List<EchoClient> clients = new ArrayList<>();
		try (RunningServer server = start("echo.mode=pooled", "echo.io=nio", "echo.pool.size=2",
				"echo.pool.queue-capacity=2")) {
			try {
				for (int i = 0; i < 50; i++) {
					EchoClient client = server.connect();
					clients.add(client);
					assertEchoes(client, "client " + i);
				}
				server.close();
				for (EchoClient client : clients) {
					assertThat(text(client.readToEnd())).isEqualTo(BYE);
				}
				assertDrainedInTime(output, 50);
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

	/** The drain's last line names every connection, and no connection was left for the timeout to close. */
	private static void assertDrainedInTime(CapturedOutput output, int connections) {
		Matcher drained = DrainLog.DRAINED.matcher(output.getAll());
		assertThat(drained.find()).as("the drain's last log line").isTrue();
		System.out.println("DrainTests: " + drained.group());
		assertThat(drained.group(1)).isEqualTo(Integer.toString(connections));
		assertThat(output.getAll()).doesNotContain(DrainLog.TIMED_OUT);
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

}
