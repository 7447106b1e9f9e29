package io.github.echoserver.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsClients;

import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Certificate rotation without a restart (the README's "TLS"): with {@code reload-on-update} on
 * the bundle, replacing its files gives new connections the new certificate, while a connection
 * already open carries on with the one it was handshaken with.
 */
class CertificateRotationTests {

	/** Boot waits this long after the last change to the files before it reloads (default 10 s). */
	private static final String QUIET_PERIOD = "spring.ssl.bundle.watch.file.quiet-period=200ms";

	@Test
	void newConnectionsGetTheReplacedCertificateAndAnOpenOneKeepsEchoing(@TempDir Path directory) throws IOException {
		Path certificate = directory.resolve("server.pem");
		Path key = directory.resolve("server.key");
		copyResource("server.pem", certificate);
		copyResource("server.key", key);
		try (RunningServer server = RunningServer.start("echo.io=blocking", "echo.ssl.bundle=rotating",
				"spring.ssl.bundle.pem.rotating.reload-on-update=true",
				"spring.ssl.bundle.pem.rotating.keystore.certificate=file:" + certificate,
				"spring.ssl.bundle.pem.rotating.keystore.private-key=file:" + key, QUIET_PERIOD);
				LogCapture log = LogCapture.start();
				EchoClient open = TlsClients.connect(server.tcpPort())) {
			assertEchoes(open, "before the rotation");
			assertThat(TlsClients.serverSerial(open)).isEqualTo("1001");

			copyResource("server-rotated.key", key);
			copyResource("server-rotated.pem", certificate);

			// A handshake may fail while the files are half replaced (before the quiet period ends).
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptionsInstanceOf(UncheckedIOException.class)
				.untilAsserted(() -> {
					try (EchoClient fresh = TlsClients.connect(server.tcpPort())) {
						assertThat(TlsClients.serverSerial(fresh)).isEqualTo("2001");
						assertEchoes(fresh, "after the rotation");
					}
				});
			assertEchoes(open, "still the first connection");
			assertThat(TlsClients.serverSerial(open)).isEqualTo("1001");
			log.assertNoErrorsOrStackTraces();
		}
	}

	private static void copyResource(String name, Path target) throws IOException {
		try (InputStream in = CertificateRotationTests.class.getResourceAsStream("/tls/" + name)) {
			assertThat(in).as("test resource tls/%s", name).isNotNull();
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

}
