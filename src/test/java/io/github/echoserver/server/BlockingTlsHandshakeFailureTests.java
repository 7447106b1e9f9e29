package io.github.echoserver.server;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsClients;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that do not complete a TLS handshake on the blocking transport: each is closed without
 * a line, counted in {@code echo.tls.handshakes} (failed, or timeout), logged with its address
 * (WARN for a failure, no stack trace, nothing at ERROR), while TLS clients are served. A stalled
 * handshake holds its worker until {@code echo.ssl.handshake-timeout}: it delays the clients
 * waiting for a worker, and loses none.
 */
class BlockingTlsHandshakeFailureTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Short, so that stalled clients end soon; not shorter, because the first handshake of a cold
	 * JVM on a busy machine took more than 500 ms and the served client was timed out with them.
	 */
	private static final String HANDSHAKE_TIMEOUT = "echo.ssl.handshake-timeout=2s";

	@Test
	void clearTextGarbageAndAHalfClientHelloAreClosedAndCountedWhileATlsClientIsServedAndAProbeIsNoFailure() {
		byte[] hello = TlsClients.clientHello();
		try (RunningServer server = start("echo.mode=pooled"); LogCapture log = LogCapture.start();
				EchoClient bystander = TlsClients.connect(server.tcpPort())) {
			assertEchoes(bystander, "before");

			// A TCP health check: connects and leaves without a byte. Not a handshake that failed.
			EchoClient probe = EchoClient.connect(server.tcpPort());
			probe.close();
			await().atMost(WAIT).untilAsserted(() -> assertThat(server.registry().closed()).isEqualTo(1));
			assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isZero();

			EchoClient clearText = EchoClient.connect(server.tcpPort());
			clearText.sendLine("hello in clear text");
			assertClosedWithoutALine(clearText);

			// A TLS record header that announces a handshake, then bytes that are none.
			EchoClient garbage = EchoClient.connect(server.tcpPort());
			garbage.send(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x08, -1, -1, -1, -1, -1, -1, -1, -1 });
			assertClosedWithoutALine(garbage);

			EchoClient halfThenGone = EchoClient.connect(server.tcpPort());
			halfThenGone.send(Arrays.copyOf(hello, hello.length / 2));
			int halfThenGonePort = halfThenGone.localPort();
			halfThenGone.close();

			EchoClient stalled = EchoClient.connect(server.tcpPort());
			stalled.send(Arrays.copyOf(hello, hello.length / 2));
			assertEchoes(bystander, "while a handshake stalls");
			assertClosedWithoutALine(stalled);

			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.registry().tlsHandshakes(HandshakeResult.FAILED)).isEqualTo(3);
				assertThat(server.registry().tlsHandshakes(HandshakeResult.TIMEOUT)).isEqualTo(1);
			});
			String scrape = server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_tls_handshakes_total", "result=\"failed\"")).isEqualTo(3.0);
			assertThat(AdminApi.sample(scrape, "echo_tls_handshakes_total", "result=\"timeout\"")).isEqualTo(1.0);
			assertThat(AdminApi.sample(scrape, "echo_tls_handshakes_total", "result=\"ok\"")).isEqualTo(1.0);
			List<String> warnings = warnings(log);
			assertThat(warnings).hasSize(3);
			for (int port : List.of(clearText.localPort(), garbage.localPort(), halfThenGonePort)) {
				assertThat(warnings).as("the warning naming 127.0.0.1:%d", port)
					.anySatisfy((line) -> assertThat(line)
						.startsWith("Closing connection from 127.0.0.1:" + port + ": TLS handshake failed: "));
			}
			assertThat(log.events()).filteredOn((event) -> event.getLevel() == Level.INFO)
				.extracting(ILoggingEvent::getFormattedMessage)
				.contains("Closing connection from 127.0.0.1:" + stalled.localPort() + ": TLS handshake timeout");
			assertEchoes(bystander, "after");
			log.assertNoErrorsOrStackTraces();
		}
	}

	/**
	 * Two workers, two clients that stall in the handshake: the third client waits for a worker,
	 * which it gets once the handshake timeout has closed a stalled one, and is served.
	 */
	@Test
	void stalledHandshakesHoldTheirWorkersUntilTheTimeoutAndTheClientsWaitingAreServedAfterIt() throws Exception {
		byte[] half = Arrays.copyOf(TlsClients.clientHello(), 40);
		try (RunningServer server = start("echo.mode=pooled", "echo.pool.size=2");
				EchoClient first = EchoClient.connect(server.tcpPort());
				EchoClient second = EchoClient.connect(server.tcpPort())) {
			first.send(half);
			second.send(half);
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.stateOf(first)).contains(ConnectionState.SERVING);
				assertThat(server.stateOf(second)).contains(ConnectionState.SERVING);
			});

			CompletableFuture<EchoClient> third = CompletableFuture
				.supplyAsync(() -> TlsClients.connect(server.tcpPort()));
			try (EchoClient served = third.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
				assertThat(server.registry().tlsHandshakes(HandshakeResult.TIMEOUT))
					.as("stalled handshakes timed out before the third client had a worker")
					.isGreaterThanOrEqualTo(1);
				assertEchoes(served, "served after the stalled ones");
			}
			assertClosedWithoutALine(first);
			assertClosedWithoutALine(second);
			assertThat(server.registry().tlsHandshakes(HandshakeResult.TIMEOUT)).isEqualTo(2);
		}
	}

	/** The client reads to the end (an alert record at most, or a reset) and never a {@code server ...#} line. */
	private static void assertClosedWithoutALine(EchoClient client) {
		byte[] received;
		try {
			received = client.readToEnd();
		}
		catch (UncheckedIOException reset) {
			received = new byte[0];
		}
		finally {
			client.close();
		}
		assertThat(text(received)).doesNotContain("server ");
	}

	private static List<String> warnings(LogCapture log) {
		return log.events()
			.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	private static RunningServer start(String... properties) {
		String[] more = new String[properties.length + 2];
		more[0] = "echo.io=blocking";
		more[1] = HANDSHAKE_TIMEOUT;
		System.arraycopy(properties, 0, more, 2, properties.length);
		return RunningServer.start(TlsClients.serverProperties(more));
	}

}
