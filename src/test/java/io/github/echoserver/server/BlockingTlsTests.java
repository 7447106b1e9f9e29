package io.github.echoserver.server;

import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SSLSession;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.Flood;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsClients;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * TLS on the blocking transport (the README's "TLS"), from the test certificates: echo in every
 * blocking model with the JDK's client and with {@code openssl s_client}, PEM and PKCS#12
 * bundles, mutual TLS, and every end through TLS: {@code close_notify}, the drain's bye line,
 * the administrator's close and the write timeout.
 */
class BlockingTlsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "mode={0}")
	@ValueSource(strings = { "single", "per-connection", "pooled" })
	void echoesOverTlsAndTheAdminApiShowsTheListenerProtocolAndCipher(String mode) {
		try (RunningServer server = start("echo.mode=" + mode); LogCapture log = LogCapture.start();
				EchoClient client = TlsClients.connect(server.tcpPort())) {
			client.sendLine("first").sendLine("second").sendLine("third");
			assertThat(client.readLine()).isEqualTo("server echo# first");
			assertThat(client.readLine()).isEqualTo("server echo# second");
			assertThat(client.readLine()).isEqualTo("server echo# third");

			SSLSession session = TlsClients.session(client);
			JsonNode entry = AdminApi.entryOf(AdminApi.connections(server), client);
			assertThat(entry.at("/listener").asString()).isEqualTo("tls");
			assertThat(entry.at("/tls/protocol").asString()).isEqualTo(session.getProtocol()).isEqualTo("TLSv1.3");
			assertThat(entry.at("/tls/cipherSuite").asString()).isEqualTo(session.getCipherSuite());
			assertThat(entry.at("/tls/clientSubject").isMissingNode() || entry.at("/tls/clientSubject").isNull())
				.as("no client certificate in %s", entry)
				.isTrue();
			assertThat(server.registry().tlsHandshakes(HandshakeResult.OK)).isEqualTo(1);
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void servesFromAPkcs12KeyStoreBundle() {
		try (RunningServer server = RunningServer.start("echo.io=blocking", "echo.ssl.bundle=p12",
				"spring.ssl.bundle.jks.p12.keystore.location=classpath:tls/server.p12",
				"spring.ssl.bundle.jks.p12.keystore.type=PKCS12", "spring.ssl.bundle.jks.p12.keystore.password=changeit");
				EchoClient client = TlsClients.connect(server.tcpPort())) {
			assertEchoes(client, "from a key store");
			assertThat(TlsClients.serverSerial(client)).isEqualTo("1001");
		}
	}

	@Test
	void clientAuthNeedAcceptsACertificateOfTheTrustedCaAndShowsItsSubject() {
		try (RunningServer server = start("echo.mode=pooled", "echo.ssl.client-auth=need");
				EchoClient client = TlsClients.connect(server.tcpPort(), TlsClients.presenting("client"))) {
			assertEchoes(client, "mutual");
			JsonNode entry = AdminApi.entryOf(AdminApi.connections(server), client);
			assertThat(entry.at("/tls/clientSubject").asString()).isEqualTo("CN=echo test client");
		}
	}

	/**
	 * Refused: a certificate from another CA, and none. With TLS 1.3 the client's handshake ends
	 * before the server has checked its certificate, so the refusal shows at the client's first
	 * read; either way no line is echoed. Each is one WARN line naming the peer, and counted.
	 */
	@Test
	void clientAuthNeedRefusesAForeignCertificateAndNoneWithAWarningEach() {
		try (RunningServer server = start("echo.mode=pooled", "echo.ssl.client-auth=need");
				LogCapture log = LogCapture.start();
				EchoClient bystander = TlsClients.connect(server.tcpPort(), TlsClients.presenting("client"))) {
			assertRefused(server, TlsClients.presenting("other-client"));
			assertRefused(server, TlsClients.trustingTestCa());

			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isEqualTo(2);
				assertThat(handshakeWarnings(log)).hasSize(2)
					.allSatisfy((line) -> assertThat(line).matches("Closing connection from 127\\.0\\.0\\.1:\\d+: "
							+ "TLS handshake failed: .+"));
			});
			assertThat(AdminApi.sample(server.get("/actuator/prometheus").body(), "echo_tls_handshakes_total",
					"result=\"failed\""))
				.isEqualTo(2.0);
			assertEchoes(bystander, "still served");
			log.assertNoErrorsOrStackTraces();
		}
	}

	@Test
	void clientAuthWantServesAClientWithoutACertificate() {
		try (RunningServer server = start("echo.mode=pooled", "echo.ssl.client-auth=want");
				EchoClient client = TlsClients.connect(server.tcpPort())) {
			assertEchoes(client, "no certificate");
			JsonNode entry = AdminApi.entryOf(AdminApi.connections(server), client);
			assertThat(entry.at("/tls/protocol").asString()).isEqualTo("TLSv1.3");
			assertThat(entry.at("/tls/clientSubject").isMissingNode() || entry.at("/tls/clientSubject").isNull())
				.isTrue();
		}
	}

	/**
	 * The client's {@code close_notify} reads as the end of the stream: its unterminated last line
	 * is echoed, the server answers with its own {@code close_notify}, and nothing is logged above
	 * DEBUG.
	 */
	@Test
	void closeNotifyFromTheClientEndsCleanly() {
		try (RunningServer server = start("echo.mode=pooled"); LogCapture log = LogCapture.start();
				EchoClient client = TlsClients.connect(server.tcpPort())) {
			assertEchoes(client, "before");
			client.send("unterminated");
			client.shutdownOutput();

			assertThat(text(client.readToEnd())).isEqualTo("server echo# unterminated\r\n");
			await().atMost(WAIT).untilAsserted(() -> assertThat(server.connectionFrom(client.localPort())).isEmpty());
			assertThat(log.events()).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
		}
	}

	/**
	 * TLS 1.2 is served too. Its {@code close_notify} closes both directions at once (RFC 5246
	 * says so, and the JDK answers it with its own at once): an unterminated last line is not
	 * echoed, unlike TLS 1.3, and the end is still clean. The drain's bye line reaches it (the
	 * drain does not shut the socket's input, which TLS 1.2 would take for the client's close).
	 */
	@Test
	void aTls12ClientIsServedAndItsCloseNotifyEndsBothDirectionsCleanly() {
		try (RunningServer server = start("echo.mode=pooled"); LogCapture log = LogCapture.start();
				EchoClient leaving = TlsClients.connect(server.tcpPort(), TlsClients.trustingTestCa(), "TLSv1.2");
				EchoClient drained = TlsClients.connect(server.tcpPort(), TlsClients.trustingTestCa(), "TLSv1.2")) {
			assertEchoes(leaving, "over TLS 1.2");
			assertEchoes(drained, "over TLS 1.2 too");
			assertThat(AdminApi.entryOf(AdminApi.connections(server), leaving).at("/tls/protocol").asString())
				.isEqualTo("TLSv1.2");

			leaving.send("unterminated");
			leaving.shutdownOutput();
			assertThat(text(leaving.readToEnd())).isEmpty();

			server.close();
			assertThat(text(drained.readToEnd())).isEqualTo("server bye# shutting down\r\n");
			assertThat(log.events()).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
		}
	}

	/** The drain wakes a reader blocked in a TLS read and its bye line reaches the client, encrypted. */
	@Test
	void theDrainsByeLineReachesATlsClient() {
		try (RunningServer server = start("echo.mode=pooled"); LogCapture log = LogCapture.start();
				EchoClient client = TlsClients.connect(server.tcpPort())) {
			assertEchoes(client, "before the drain");

			server.close();

			assertThat(text(client.readToEnd())).isEqualTo("server bye# shutting down\r\n");
			log.assertNoErrorsOrStackTraces();
		}
	}

	/**
	 * The administrator's close says its line to a served TLS client, encrypted, and ends a
	 * handshake in progress without a line and without counting it as failed or timed out.
	 */
	@Test
	void theAdministratorClosesAServedTlsClientWithItsLineAndAStalledHandshakeUncounted() {
		try (RunningServer server = start("echo.mode=pooled"); LogCapture log = LogCapture.start();
				EchoClient served = TlsClients.connect(server.tcpPort());
				EchoClient stalled = EchoClient.connect(server.tcpPort())) {
			assertEchoes(served, "served");
			stalled.send(Arrays.copyOf(TlsClients.clientHello(), 40));
			await().atMost(WAIT).untilAsserted(() -> assertThat(server.stateOf(stalled)).contains(ConnectionState.SERVING));

			assertThat(server.delete("/actuator/echo/connections/" + idOf(server, served)).statusCode()).isEqualTo(204);
			assertThat(server.delete("/actuator/echo/connections/" + idOf(server, stalled)).statusCode()).isEqualTo(204);

			assertThat(text(served.readToEnd())).isEqualTo("server bye# closed by administrator\r\n");
			assertThat(text(stalled.readToEnd())).isEmpty();
			await().atMost(WAIT).untilAsserted(() -> assertThat(server.registry().active()).isZero());
			assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isZero();
			assertThat(server.registry().tlsHandshakes(HandshakeResult.TIMEOUT)).isZero();
			assertThat(log.events()).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
		}
	}

	/**
	 * A TLS client that sends without reading: the server's write blocks inside the TLS socket,
	 * and the write timeout closes the plain socket under it (a TLS close would wait for the
	 * blocked write's lock). Another client is served meanwhile.
	 */
	@Test
	void aTlsClientThatNeverReadsIsClosedAfterTheWriteTimeout() throws Exception {
		try (RunningServer server = start("echo.mode=pooled", "echo.write-timeout=1s");
				EchoClient reader = TlsClients.connect(server.tcpPort());
				EchoClient hog = TlsClients.connect(server.tcpPort())) {
			// Up to 32 MB of lines, never reading a reply; ends when the server closes the socket.
			byte[] chunk = ("x".repeat(99) + "\n").repeat(100).getBytes(StandardCharsets.US_ASCII);
			Flood sender = Flood.start(TlsClients.outputOf(hog), chunk, 3200);

			await().atMost(Duration.ofSeconds(20)).until(() -> server.registry().writeTimeouts() == 1);
			await().atMost(WAIT).until(() -> server.registry().active() == 1);
			assertEchoes(reader, "unaffected");
			sender.awaitEnd(WAIT);
		}
	}

	/**
	 * A refusal on a TLS port closes without a handshake and without its {@code server busy#}
	 * line, which would be clear text to a TLS client; it is counted as in clear text.
	 */
	@Test
	void aRefusalOnTheTlsPortClosesWithoutTheBusyLineAndIsCounted() {
		try (RunningServer server = start("echo.mode=pooled", "echo.max-connections=1");
				EchoClient served = TlsClients.connect(server.tcpPort());
				EchoClient refused = EchoClient.connect(server.tcpPort())) {
			assertEchoes(served, "served");
			assertThat(text(refused.readToEnd())).isEmpty();
			assertThat(server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isEqualTo(1);
			assertThat(AdminApi.sample(server.get("/actuator/prometheus").body(), "echo_connections_rejected_total",
					"reason=\"too-many-connections\""))
				.isEqualTo(1.0);
			assertEchoes(served, "still served");
		}
	}

	/**
	 * The drain closes a TLS client still waiting for the single worker without a word (its
	 * handshake has not begun), and says bye to the served one.
	 */
	@Test
	void theDrainClosesATlsClientWaitingForAWorkerWithoutAWord() {
		try (RunningServer server = start("echo.mode=single");
				EchoClient served = TlsClients.connect(server.tcpPort());
				EchoClient waiting = EchoClient.connect(server.tcpPort())) {
			assertEchoes(served, "served");
			waiting.send(TlsClients.clientHello());
			await().atMost(WAIT).untilAsserted(() -> assertThat(server.registry().waiting()).isEqualTo(1));

			server.close();

			assertThat(text(served.readToEnd())).isEqualTo("server bye# shutting down\r\n");
			assertThat(text(waiting.readToEnd())).isEmpty();
		}
	}

	private static String idOf(RunningServer server, EchoClient client) {
		return URLEncoder.encode(AdminApi.entryOf(AdminApi.connections(server), client).at("/id").asString(),
				StandardCharsets.UTF_8);
	}

	private static void assertRefused(RunningServer server, javax.net.ssl.SSLContext context) {
		Throwable refusal = catchThrowable(() -> {
			try (EchoClient client = TlsClients.connect(server.tcpPort(), context)) {
				client.sendLine("let me in");
				client.readLine();
			}
		});
		assertThat(refusal).isInstanceOf(UncheckedIOException.class);
	}

	private static List<String> handshakeWarnings(LogCapture log) {
		return log.events()
			.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.filter((message) -> message.contains("TLS handshake"))
			.toList();
	}

	private static RunningServer start(String... properties) {
		String[] withIo = new String[properties.length + 1];
		withIo[0] = "echo.io=blocking";
		System.arraycopy(properties, 0, withIo, 1, properties.length);
		return RunningServer.start(TlsClients.serverProperties(withIo));
	}

}
