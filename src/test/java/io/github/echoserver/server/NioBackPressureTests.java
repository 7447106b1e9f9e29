package io.github.echoserver.server;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.Flood;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that with nio a client which sends without reading its replies holds no worker and no
 * unbounded memory: the server stops reading from it while its replies wait, the only worker of
 * the pool keeps serving another client, and the slow reader is closed at the write timeout.
 */
class NioBackPressureTests {

	/** What the slow reader tries to send: far more than socket buffers and one read can hold. */
	private static final int FLOOD_BYTES = 64 * 1024 * 1024;

	@Test
	void aSlowReaderHoldsNoWorkerAndIsNotReadFromWhileItsRepliesWait() throws Exception {
		try (RunningServer server = RunningServer.start("echo.io=nio", "echo.pool.size=1", "echo.write-timeout=5s");
				EchoClient other = server.connect(); Socket hog = new Socket()) {
			hog.setReceiveBufferSize(4096);
			hog.connect(new InetSocketAddress("127.0.0.1", server.tcpPort()), 5000);
			// Lines, never reading a reply; ends when the server closes the socket.
			byte[] chunk = ("x".repeat(99) + "\n").repeat(100).getBytes(StandardCharsets.US_ASCII);
			Flood sender = Flood.start(hog.getOutputStream(), chunk, FLOOD_BYTES / chunk.length);

			// Its replies are waiting: the server has stopped reading it.
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.connectionFrom(hog.getLocalPort()).map(this::isBlocked).orElse(false));
			long readWhenBlocked = server.connectionFrom(hog.getLocalPort()).orElseThrow().getBytesIn();

			// The single worker is free: a stuck write would hold it until the write timeout.
			for (int i = 0; i < 100; i++) {
				other.sendLine("still served " + i);
				assertThat(other.readLine()).isEqualTo("server echo# still served " + i);
			}
			assertThat(server.registry().writeTimeouts()).as("answered before the slow reader timed out").isZero();

			// Nothing more was read from it while its replies waited, though it keeps sending.
			TrackedConnection slowReader = server.connectionFrom(hog.getLocalPort()).orElseThrow();
			assertThat(isBlocked(slowReader)).isTrue();
			assertThat(slowReader.getBytesIn()).isEqualTo(readWhenBlocked).isLessThan(FLOOD_BYTES / 4);
			assertThat(sender.isAlive()).as("the slow reader's writes are blocked, not done").isTrue();

			await().atMost(Duration.ofSeconds(20)).until(() -> server.registry().writeTimeouts() == 1);
			await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().active() == 1);
			// Its writes fail once it is closed: the flood ends.
			sender.awaitEnd(Duration.ofSeconds(5));
			other.sendLine("after");
			assertThat(other.readLine()).isEqualTo("server echo# after");
		}
	}

	@Test
	void repliesThatWaitedAreAllDeliveredInOrderOnceTheClientReads() throws Exception {
		int lines = 50_000;
		try (RunningServer server = RunningServer.start("echo.io=nio", "echo.pool.size=1");
				EchoClient client = server.connect()) {
			StringBuilder all = new StringBuilder();
			for (int i = 0; i < lines; i++) {
				all.append("line ").append(i).append(' ').append("y".repeat(80)).append('\n');
			}
			// Sent in full before reading anything: the replies outgrow the socket buffers.
			Thread sender = new Thread(() -> client.send(all.toString()), "test-sender");
			sender.start();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.registry().connections().stream().anyMatch(this::isBlocked));
			for (int i = 0; i < lines; i++) {
				assertThat(client.readLine()).isEqualTo("server echo# line " + i + " " + "y".repeat(80));
			}
			sender.join(10_000);
			assertThat(server.registry().linesEchoed()).isEqualTo(lines);
		}
	}

	private boolean isBlocked(TrackedConnection connection) {
		return connection.isWriteBlocked();
	}

}
