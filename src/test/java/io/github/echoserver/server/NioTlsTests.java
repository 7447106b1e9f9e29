package io.github.echoserver.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.SmallSendBuffers;
import io.github.echoserver.testing.TlsEngineClient;
import io.github.echoserver.testing.TlsLineClient;

import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS on the event loops ({@code echo.io: nio}, {@link NioTls}): the handshake, the records and
 * {@code close_notify} on the connection's loop, nothing blocking. Served with the test CA's
 * server certificate ({@code src/test/resources/tls}); the clients are JDK {@code SSLSocket}s, or
 * plain sockets that send what a TLS client would not.
 */
class NioTlsTests {

	/** Far beyond anything a stalled or failed handshake should take to be noticed here. */
	private static final Duration WAIT = Duration.ofSeconds(15);

	static String[] tls(String... more) {
		return Stream.concat(Stream.of("echo.io=nio", "echo.ssl.bundle=test",
				"spring.ssl.bundle.pem.test.keystore.certificate=classpath:tls/server.pem",
				"spring.ssl.bundle.pem.test.keystore.private-key=classpath:tls/server.key",
				"spring.ssl.bundle.pem.test.truststore.certificate=classpath:tls/ca.pem"), Stream.of(more))
			.toArray(String[]::new);
	}

	@ParameterizedTest(name = "mode={0}")
	@ValueSource(strings = { "single", "pooled" })
	void echoesPipelinedLinesAndShowsTheSessionInTheAdminApi(String mode) {
		// Sent in one go: many records, and reads of more lines than a turn takes.
		int lines = 20_000;
		try (RunningServer server = RunningServer.start(tls("echo.mode=" + mode));
				LogCapture log = LogCapture.start();
				TlsLineClient client = TlsLineClient.connect(server.tcpPort())) {
			StringBuilder all = new StringBuilder();
			for (int i = 0; i < lines; i++) {
				all.append("line ").append(i).append("\r\n");
			}
			client.send(all.toString());
			for (int i = 0; i < lines; i++) {
				assertThat(client.readLine()).isEqualTo("server echo# line " + i);
			}
			JsonNode entry = entryOf(server, client.localPort());
			assertThat(entry.at("/listener").asString()).isEqualTo("tls");
			assertThat(entry.at("/tls/protocol").asString()).isEqualTo(client.session().getProtocol())
				.isIn("TLSv1.3", "TLSv1.2");
			assertThat(entry.at("/tls/cipherSuite").asString()).isEqualTo(client.session().getCipherSuite());
			JsonNode subject = entry.at("/tls/clientSubject");
			assertThat(subject.isNull() || subject.isMissingNode()).as("no client certificate: %s", subject).isTrue();
			assertThat(server.registry().tlsHandshakes(HandshakeResult.OK)).isEqualTo(1);
			assertThat(server.registry().linesEchoed()).isEqualTo(lines);
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void mutualTlsServesTheTrustedClientCertificateAndRefusesAForeignOneOrNone() {
		try (RunningServer server = RunningServer.start(tls("echo.ssl.client-auth=need"));
				LogCapture log = LogCapture.start();
				TlsLineClient trusted = TlsLineClient.connect(server.tcpPort(), TlsLineClient.context("ca", "client"))) {
			trusted.sendLine("with a certificate");
			assertThat(trusted.readLine()).isEqualTo("server echo# with a certificate");
			String subject = entryOf(server, trusted.localPort()).at("/tls/clientSubject").asString();
			assertThat(subject).contains("CN=");

			int foreign = refusedAttempt(server.tcpPort(), TlsLineClient.context("ca", "other-client"));
			int none = refusedAttempt(server.tcpPort(), TlsLineClient.context("ca", null));

			await().atMost(WAIT).until(() -> server.registry().tlsHandshakes(HandshakeResult.FAILED) == 2);
			await().atMost(WAIT).until(() -> server.registry().active() == 1);
			assertHandshakeFailureLogged(log, foreign);
			assertHandshakeFailureLogged(log, none);
			trusted.sendLine("still served");
			assertThat(trusted.readLine()).isEqualTo("server echo# still served");
			assertThat(server.registry().tlsHandshakes(HandshakeResult.OK)).isEqualTo(1);
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void stalledHandshakesHoldNoLoopWhileAnotherClientIsServedAndEndAtTheTimeout() {
		List<EchoClient> stalled = new ArrayList<>();
		try (RunningServer server = RunningServer
			.start(tls("echo.mode=pooled", "echo.pool.size=2", "echo.ssl.handshake-timeout=3s"));
				LogCapture log = LogCapture.start()) {
			// Twice as many as there are loops: two say nothing, two stop half-way through their ClientHello.
			byte[] hello = TlsLineClient.clientHello();
			for (int i = 0; i < 4; i++) {
				EchoClient client = EchoClient.connect(server.tcpPort());
				stalled.add(client);
				if (i % 2 == 1) {
					client.send(Arrays.copyOf(hello, hello.length / 2));
				}
			}
			await().atMost(WAIT).until(() -> server.registry().active() == 4);

			try (TlsLineClient served = TlsLineClient.connect(server.tcpPort())) {
				for (int i = 0; i < 20; i++) {
					served.sendLine("served " + i);
					assertThat(served.readLine()).isEqualTo("server echo# served " + i);
				}
			}
			assertThat(server.registry().tlsHandshakes(HandshakeResult.TIMEOUT))
				.as("the stalled handshakes were still open while the other client was served")
				.isZero();

			await().atMost(WAIT).until(() -> server.registry().tlsHandshakes(HandshakeResult.TIMEOUT) == 4);
			await().atMost(WAIT).until(() -> server.registry().active() == 0);
			for (EchoClient client : stalled) {
				assertThat(untilClosed(client)).doesNotContain("server");
			}
			assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isZero();
			log.assertNoErrorsOrStackTraces();
		}
		finally {
			stalled.forEach(EchoClient::close);
		}
	}

	@Test
	void clientsThatDoNotSpeakTlsAreClosedAndCountedWhileOthersAreServed() {
		try (RunningServer server = RunningServer.start(tls());
				LogCapture log = LogCapture.start();
				TlsLineClient good = TlsLineClient.connect(server.tcpPort());
				EchoClient clearText = EchoClient.connect(server.tcpPort());
				EchoClient garbage = EchoClient.connect(server.tcpPort());
				EchoClient halfHello = EchoClient.connect(server.tcpPort())) {
			clearText.sendLine("hello");
			byte[] noise = new byte[64];
			for (int i = 0; i < noise.length; i++) {
				noise[i] = (byte) (i * 37);
			}
			garbage.send(noise);
			byte[] hello = TlsLineClient.clientHello();
			halfHello.send(Arrays.copyOf(hello, hello.length / 2));
			halfHello.shutdownOutput();

			for (EchoClient client : List.of(clearText, garbage, halfHello)) {
				assertThat(untilClosed(client)).doesNotContain("server");
			}
			await().atMost(WAIT).until(() -> server.registry().tlsHandshakes(HandshakeResult.FAILED) == 3);
			for (EchoClient client : List.of(clearText, garbage, halfHello)) {
				assertHandshakeFailureLogged(log, client.localPort());
			}
			good.sendLine("served");
			assertThat(good.readLine()).isEqualTo("server echo# served");
			assertThat(server.registry().active()).isEqualTo(1);
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void aSlowTlsReaderGetsEveryByteBackInOrderWhileTheServerKeepsLittle() throws Exception {
		// 50 MB of 100-byte lines, read back in pauses: every 50,000 replies the client stops
		// reading until the server has stopped writing to it.
		int lines = 500_000;
		int linesPerPause = 50_000;
		try (RunningServer server = RunningServer.startWith(new Class<?>[] { SmallSendBuffers.class },
				tls("echo.mode=pooled", "echo.pool.size=1"));
				TlsLineClient client = TlsLineClient.connect(server.tcpPort(), TlsLineClient.context("ca", null), 8192)) {
			AtomicReference<IOException> sendFailure = new AtomicReference<>();
			Thread sender = new Thread(() -> {
				try {
					OutputStream out = client.output();
					for (int i = 0; i < lines; i += 100) {
						StringBuilder chunk = new StringBuilder();
						for (int j = i; j < i + 100; j++) {
							chunk.append(line(j)).append('\n');
						}
						out.write(chunk.toString().getBytes(StandardCharsets.US_ASCII));
					}
					out.flush();
				}
				catch (IOException ex) {
					sendFailure.set(ex);
				}
			}, "test-tls-sender");
			sender.setDaemon(true);
			sender.start();
			TrackedConnection tracked = await().atMost(WAIT)
				.until(() -> server.connectionFrom(client.localPort()).orElse(null), (found) -> found != null);
			EchoNioConnection connection = (EchoNioConnection) tracked.getHandle();

			InputStream in = new BufferedInputStream(client.input(), 64 * 1024);
			int mostKept = 0;
			int pauses = 0;
			for (int i = 0; i < lines; i++) {
				if (i % linesPerPause == 0) {
					await().atMost(WAIT).until(tracked::isWriteBlocked);
					mostKept = Math.max(mostKept, connection.keptBytes().get(10, TimeUnit.SECONDS));
					pauses++;
				}
				String reply = readLine(in);
				if (!reply.equals("server echo# " + line(i))) {
					throw new AssertionError("Reply " + i + " is '" + reply + "'");
				}
			}
			sender.join(WAIT.toMillis());
			assertThat(sendFailure.get()).isNull();
			assertThat(pauses).isEqualTo(lines / linesPerPause);
			// A read's worth (about 33 KB of records), its replies and its undecoded rest, at most:
			// never the 50 MB the client sent without reading.
			assertThat(mostKept).isPositive().isLessThan(256 * 1024);
			assertThat(server.registry().linesEchoed()).isEqualTo(lines);
		}
	}

	@Test
	void theClientsCloseNotifyEndsTheConnectionAfterItsRepliesWithTheServersCloseNotify() {
		try (RunningServer server = RunningServer.start(tls());
				LogCapture log = LogCapture.start();
				TlsEngineClient client = TlsEngineClient.connect(server.tcpPort())) {
			client.send("one\r\ntwo\r\nunterminated");
			// Only close_notify: the TCP connection stays open, so the server acts on close_notify itself.
			client.sendCloseNotify();
			assertThat(client.readToEnd()).isEqualTo(new TlsEngineClient.Ending(
					"server echo# one\r\nserver echo# two\r\nserver echo# unterminated\r\n", true));
			await().atMost(WAIT).until(() -> server.registry().active() == 0);
			List<ILoggingEvent> warnings = log.events()
				.stream()
				.filter((event) -> event.getLevel().isGreaterOrEqual(Level.WARN))
				.toList();
			assertThat(warnings).isEmpty();
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void theAdministratorAndTheDrainSayByeThenCloseNotify() {
		try (RunningServer server = RunningServer.start(tls());
				LogCapture log = LogCapture.start();
				TlsEngineClient deleted = TlsEngineClient.connect(server.tcpPort());
				TlsEngineClient drained = TlsEngineClient.connect(server.tcpPort())) {
			await().atMost(WAIT).until(() -> server.registry().tlsHandshakes(HandshakeResult.OK) == 2);
			String id = server.connectionFrom(deleted.localPort()).orElseThrow().getId();
			assertThat(server.delete("/actuator/echo/connections/" + id).statusCode()).isEqualTo(204);
			assertThat(deleted.readToEnd())
				.isEqualTo(new TlsEngineClient.Ending("server bye# closed by administrator\r\n", true));

			drained.sendLine("in flight");
			server.close();
			assertThat(drained.readToEnd())
				.isEqualTo(new TlsEngineClient.Ending("server echo# in flight\r\nserver bye# shutting down\r\n", true));
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void recordsSplitAcrossReadsAreReassembled() throws IOException {
		try (RunningServer server = RunningServer.start(tls());
				ByteByByteRelay relay = new ByteByByteRelay(server.tcpPort());
				TlsLineClient client = TlsLineClient.connect(relay.port())) {
			for (int i = 0; i < 20; i++) {
				client.sendLine("split " + i);
				assertThat(client.readLine()).isEqualTo("server echo# split " + i);
			}
			assertThat(relay.writes()).as("the client's bytes went one at a time").isGreaterThan(1000);
			assertThat(server.registry().tlsHandshakes(HandshakeResult.OK)).isEqualTo(1);
		}
	}

	@Test
	void aRefusedClientGetsNoTlsByteAndNoHandshake() {
		try (RunningServer server = RunningServer.start(tls("echo.max-connections=1"));
				TlsLineClient admitted = TlsLineClient.connect(server.tcpPort());
				EchoClient refused = EchoClient.connect(server.tcpPort())) {
			refused.send(TlsLineClient.clientHello());
			assertThat(untilClosed(refused)).as("not even the clear-text busy line").isEmpty();
			assertThat(server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isEqualTo(1);
			assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isZero();
			admitted.sendLine("served");
			assertThat(admitted.readLine()).isEqualTo("server echo# served");
		}
	}

	private static JsonNode entryOf(RunningServer server, int clientPort) {
		for (JsonNode entry : AdminApi.connections(server)) {
			if (entry.at("/remotePort").asInt() == clientPort) {
				return entry;
			}
		}
		throw new AssertionError("No connection from port " + clientPort);
	}

	private static String line(int i) {
		return String.format("%07d ", i) + "x".repeat(92);
	}

	/** One line from {@code in}, without its CR LF. */
	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream(128);
		int b;
		while ((b = in.read()) != '\n') {
			if (b == -1) {
				throw new java.io.EOFException("Closed after " + line.size() + " bytes of a line");
			}
			line.write(b);
		}
		String text = line.toString(StandardCharsets.US_ASCII);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	/** What the server sent before it closed; a reset counts as a close. */
	private static String untilClosed(EchoClient client) {
		try {
			return text(client.readToEnd());
		}
		catch (UncheckedIOException ex) {
			return "";
		}
	}

	/**
	 * A TLS client that the server must refuse (mutual TLS): it handshakes and tries a line,
	 * and sees an alert or the close, never an echo.
	 * @return its local port, for the server's log line
	 */
	private static int refusedAttempt(int port, SSLContext context) {
		try (Socket plain = new Socket()) {
			plain.setSoTimeout((int) EchoClient.READ_TIMEOUT.toMillis());
			plain.connect(new InetSocketAddress("127.0.0.1", port));
			int localPort = plain.getLocalPort();
			String outcome;
			try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true)) {
				socket.startHandshake();
				socket.getOutputStream().write("refuse me\r\n".getBytes(StandardCharsets.US_ASCII));
				int b = socket.getInputStream().read();
				outcome = (b == -1) ? "closed" : "read " + (char) b;
			}
			catch (IOException ex) {
				outcome = "refused: " + ex.getMessage();
			}
			assertThat(outcome).doesNotStartWith("read");
			return localPort;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void assertHandshakeFailureLogged(LogCapture log, int clientPort) {
		assertThat(log.events())
			.filteredOn((event) -> event.getLevel() == Level.WARN)
			.extracting(ILoggingEvent::getFormattedMessage)
			.anySatisfy((message) -> assertThat(message)
				.contains("127.0.0.1:" + clientPort + ": TLS handshake failed: "));
	}

	/**
	 * A TCP relay on loopback for one client: its bytes go to the server one per write, so that
	 * the server reads its handshake and its records in pieces; the server's go back as they come.
	 */
	private static final class ByteByByteRelay implements AutoCloseable {

		private final ServerSocket listener;

		private final List<Socket> sockets = new CopyOnWriteArrayList<>();

		private final AtomicLong writes = new AtomicLong();

		ByteByByteRelay(int target) throws IOException {
			this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
			Thread acceptor = new Thread(() -> {
				try {
					Socket client = this.listener.accept();
					Socket server = new Socket("127.0.0.1", target);
					client.setTcpNoDelay(true);
					server.setTcpNoDelay(true);
					this.sockets.add(client);
					this.sockets.add(server);
					pump(client.getInputStream(), server.getOutputStream(), true);
					pump(server.getInputStream(), client.getOutputStream(), false);
				}
				catch (IOException ex) {
					// Closed by the test.
				}
			}, "test-relay");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		private void pump(InputStream in, OutputStream out, boolean byteByByte) {
			Thread thread = new Thread(() -> {
				byte[] buffer = new byte[16 * 1024];
				try {
					int n;
					while ((n = in.read(buffer)) != -1) {
						if (byteByByte) {
							for (int i = 0; i < n; i++) {
								out.write(buffer[i]);
								this.writes.incrementAndGet();
							}
						}
						else {
							out.write(buffer, 0, n);
						}
					}
				}
				catch (IOException ex) {
					// Closed by the test.
				}
			}, "test-relay-pump");
			thread.setDaemon(true);
			thread.start();
		}

		int port() {
			return this.listener.getLocalPort();
		}

		long writes() {
			return this.writes.get();
		}

		@Override
		public void close() throws IOException {
			this.listener.close();
			for (Socket socket : this.sockets) {
				socket.close();
			}
		}

	}

}
