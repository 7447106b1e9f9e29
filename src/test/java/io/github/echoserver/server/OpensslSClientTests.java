package io.github.echoserver.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsClients;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS port with the client people reach for first, {@code openssl s_client} (Debian package
 * {@code openssl}, which {@code .ci/run} installs), on both transports.
 */
class OpensslSClientTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * {@code openssl s_client} as a user runs it: its lines are echoed, and when the
	 * administrator closes the connection it reads the bye line and the server's
	 * {@code close_notify} (OpenSSL 3 reports an end without one as {@code unexpected eof}).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void echoesToOpensslSClientAndEndsItWithCloseNotify(String io, @TempDir Path directory) throws Exception {
		Path ca = Path.of(OpensslSClientTests.class.getResource("/tls/ca.pem").toURI());
		Path errors = directory.resolve("s_client.err");
		try (RunningServer server = RunningServer.start(TlsClients.serverProperties("echo.io=" + io, "echo.mode=pooled"))) {
			Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.tcpPort(),
					"-CAfile", ca.toString(), "-verify_return_error", "-quiet")
				.redirectError(errors.toFile())
				.start();
			try {
				BufferedReader replies = new BufferedReader(
						new InputStreamReader(openssl.getInputStream(), StandardCharsets.UTF_8));
				OutputStream lines = openssl.getOutputStream();
				lines.write("hello from openssl\nsecond line\n".getBytes(StandardCharsets.UTF_8));
				lines.flush();
				assertThat(readLines(replies, 2)).containsExactly("server echo# hello from openssl",
						"server echo# second line");

				String id = AdminApi.connections(server).get(0).at("/id").asString();
				assertThat(server.delete("/actuator/echo/connections/" + URLEncoder.encode(id, StandardCharsets.UTF_8))
					.statusCode()).isEqualTo(204);
				assertThat(readLines(replies, 1)).containsExactly("server bye# closed by administrator");
				assertThat(openssl.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("s_client ended").isTrue();
				assertThat(Files.readString(errors)).as("s_client's errors").doesNotContainIgnoringCase("error");
			}
			finally {
				openssl.destroyForcibly();
			}
		}
	}

	/** The next {@code count} lines of a process's output, within {@link #WAIT}. */
	private static List<String> readLines(BufferedReader reader, int count) throws Exception {
		return CompletableFuture.supplyAsync(() -> {
			try {
				List<String> lines = new java.util.ArrayList<>();
				for (int i = 0; i < count; i++) {
					String line = reader.readLine();
					if (line == null) {
						throw new AssertionError("openssl s_client's output ended after " + lines);
					}
					lines.add(line);
				}
				return lines;
			}
			catch (java.io.IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
	}

}
