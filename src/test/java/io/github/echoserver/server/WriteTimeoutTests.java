package io.github.echoserver.server;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.Flood;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that a client which sends without ever reading its replies is closed once a reply has
 * been unwritable for {@code echo.write-timeout}, with the write-timeout counter, while another
 * client keeps being served, in both I/O flavours.
 */
class WriteTimeoutTests {

	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void aClientThatNeverReadsIsClosedAfterTheWriteTimeout(String io) throws Exception {
		try (RunningServer server = RunningServer.start("echo.io=" + io, "echo.write-timeout=1s");
				EchoClient reader = server.connect(); Socket hog = new Socket()) {
			hog.setReceiveBufferSize(4096);
			hog.connect(new InetSocketAddress("127.0.0.1", server.tcpPort()), 5000);
			// Up to 32 MB of lines, never reading a reply; ends when the server closes the socket.
			byte[] chunk = ("x".repeat(99) + "\n").repeat(100).getBytes(StandardCharsets.US_ASCII);
			Flood sender = Flood.start(hog.getOutputStream(), chunk, 3200);

			await().atMost(Duration.ofSeconds(20)).until(() -> server.registry().writeTimeouts() == 1);
			await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().active() == 1);
			reader.sendLine("unaffected");
			assertThat(reader.readLine()).isEqualTo("server echo# unaffected");
			// The flooding client's writes fail once it is closed: the flood ends.
			sender.awaitEnd(Duration.ofSeconds(5));
		}
	}

}
