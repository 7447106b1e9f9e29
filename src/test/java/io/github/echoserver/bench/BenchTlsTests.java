package io.github.echoserver.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bench --tls} against {@link TlsEchoServer}, the JDK's blocking TLS server on loopback:
 * every mode gets its replies through the non-blocking client engine, byte for byte; a server
 * whose certificate the given CA did not sign, and a server that never speaks TLS, fail the run
 * with one line that says so. Runs of one or two seconds; assertions by counts, never by speed.
 */
@Timeout(60)
class BenchTlsTests {

	private static final String TLS = Path.of("src/test/resources/tls").toAbsolutePath() + "/";

	private static final String CA = TLS + "ca.pem";

	private static final String OTHER_CA = TLS + "other-ca.pem";

	private static TlsEchoServer server;

	@BeforeAll
	static void startServer() throws IOException, GeneralSecurityException {
		server = TlsEchoServer.start();
		// The first TLS handshakes of a JVM take seconds on a busy machine (classes, JIT, key
		// agreement in the interpreter): have them here, unmeasured, on both sides (one JVM), so
		// that the short windows below hold replies. Hold mode waits for them, up to --ramp.
		bench("--tls", "--tls-ca", CA, "-m", "hold", "-c", "2", "-d", "1", "--ramp", "30", server.target());
	}

	@AfterAll
	static void stopServer() throws IOException {
		server.close();
	}

	@Test
	void echoModeThroughTlsGetsEveryReplyRight() {
		BenchInvocation run = bench("--tls", "--tls-ca", CA, "-c", "4", "-w", "1", "-d", "1", server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("conn_ok", "4")
			.containsEntry("conns_with_reply", "4")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0")
			.containsEntry("tls", "TLSv1.3")
			.containsEntry("tls_handshakes", "4");
		assertThat(Long.parseLong(run.summary().get("replies"))).isPositive();
		assertThat(run.out()).contains("tls=TLSv1.2,TLSv1.3 trusting " + CA, "4 handshakes completed, the first with TLSv1.3");
		assertThat(run.err()).doesNotContain("WARNING");
	}

	@Test
	void pipelinedLinesLargerThanARecordOnTwoThreadsGetEveryReplyRight() {
		// 20,000-byte lines: every request and reply spans two TLS records, many records a read.
		BenchInvocation run = bench("--tls", "--tls-ca", CA, "-c", "4", "-t", "2", "-p", "8", "-s", "20000", "-w", "1", "-d", "1",
				server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("conns_with_reply", "4")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0")
			.containsEntry("tls_handshakes", "4");
		// Bytes are plaintext: the records' overhead (22 bytes or more a record) is not counted.
		// The window's edges may cut the 32 replies in flight at either end.
		long replies = Long.parseLong(run.summary().get("replies"));
		long replyLength = "server echo# ".length() + 20_002;
		assertThat(replies).isPositive();
		assertThat(Long.parseLong(run.summary().get("rx_Bps"))).isBetween((replies - 32) * replyLength,
				(replies + 32) * replyLength);
	}

	@Test
	void tls12IsOfferedAlone() {
		BenchInvocation run = bench("--tls", "--tls-ca", CA, "--tls-protocol", "TLSv1.2", "-c", "2", "-w", "1", "-d", "1",
				server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("conns_with_reply", "2")
			.containsEntry("mismatches", "0")
			.containsEntry("tls", "TLSv1.2");
	}

	@Test
	void connectModeHasAHandshakeForEveryCycle() {
		long handshakesBefore = server.handshakes();
		long failedBefore = server.failed();
		BenchInvocation run = bench("--tls", "--tls-ca", CA, "-m", "connect", "-c", "2", "-w", "0", "-d", "1", server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		Map<String, String> summary = run.summary();
		assertThat(summary).containsEntry("errors", "0").containsEntry("mismatches", "0").containsEntry("tls", "TLSv1.3");
		long connects = Long.parseLong(summary.get("connects"));
		long handshakes = Long.parseLong(summary.get("tls_handshakes"));
		assertThat(connects).isPositive();
		// Every cycle counted had its own handshake; the run may end inside the two cycles in flight.
		assertThat(handshakes).isGreaterThanOrEqualTo(connects).isLessThanOrEqualTo(connects + 2);
		// Each connect a new session, as many on the server as the client counted. A TLS 1.3 server
		// is done once its Finished has left, so a cycle cut by the end of the run may count on the
		// server only; those are the only connections allowed to fail.
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(server.handshakes() - handshakesBefore).isBetween(handshakes, handshakes + 2));
		assertThat(server.failed() - failedBefore).isLessThanOrEqualTo(2);
	}

	@Test
	void holdModeThroughTlsChecksEveryConnectionTwice() {
		BenchInvocation run = bench("--tls", "--tls-ca", CA, "-m", "hold", "-c", "20", "-d", "1", server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("answered_initial", "20")
			.containsEntry("answered_final", "20")
			.containsEntry("mismatches", "0")
			.containsEntry("tls_handshakes", "20");
	}

	@Test
	void aServerCertificateTheCaDidNotSignFailsWithOneLine() {
		BenchInvocation run = bench("--tls", "--tls-ca", OTHER_CA, "-c", "2", "-w", "1", "-d", "1", server.target());
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
		assertThat(run.summary()).containsEntry("replies", "0").containsEntry("tls", "none").containsEntry("tls_handshakes", "0");
		assertThat(run.out()).containsOnlyOnce("first error")
			.contains("first error     read: TLS handshake failed: the server's certificate (CN=localhost, issued by "
					+ "CN=echo-server test CA) is not signed by a CA of " + OTHER_CA + "\n");
		assertThat(run.out() + run.err()).doesNotContain("Exception", "\tat ");
	}

	@Test
	void insecureTrustsAnyCertificateAndSaysSoLoudly() {
		BenchInvocation run = bench("--tls", "--tls-insecure", "-c", "2", "-w", "1", "-d", "1", server.target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("conns_with_reply", "2").containsEntry("mismatches", "0");
		assertThat(run.err())
			.contains("bench: WARNING: --tls-insecure trusts any server certificate; use it for benchmarks only");
	}

	@Test
	void aClientCertificateGetsThroughMutualTlsAndNoneIsRefused() throws IOException, GeneralSecurityException {
		try (TlsEchoServer mutual = TlsEchoServer.start(true)) {
			BenchInvocation run = bench("--tls", "--tls-ca", CA, "--tls-cert", TLS + "client.pem", "--tls-key", TLS + "client.key",
					"-m", "hold", "-c", "2", "-d", "1", mutual.target());
			assertThat(run.exitCode()).as(run.toString()).isZero();
			assertThat(run.summary()).containsEntry("answered_final", "2").containsEntry("mismatches", "0");
			assertThat(run.out()).contains("trusting " + CA + " with a client certificate");
			// TLS 1.3: the client's part is over before the server refuses, so it is the reply that fails.
			BenchInvocation refused = bench("--tls", "--tls-ca", CA, "-m", "hold", "-c", "2", "-d", "1", mutual.target());
			assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
			assertThat(refused.summary()).containsEntry("answered_initial", "0");
			assertThat(refused.out()).containsPattern("first error     read: TLS[a-z ]*: Received fatal alert: \\w+\n")
				.doesNotContain("Exception");
		}
	}

	@Test
	void aServerThatNeverSpeaksTlsIsATimeoutThatSaysSo() throws IOException {
		// Connects complete in the backlog; nobody ever accepts, so no ServerHello ever comes.
		try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			BenchInvocation run = bench("--tls", "--tls-ca", CA, "--timeout", "1", "-c", "1", "-w", "0", "-d", "2",
					"127.0.0.1:" + silent.getLocalPort());
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
			assertThat(run.summary()).containsEntry("tls", "none").containsEntry("timeouts", "1");
			assertThat(run.out()).contains("first error     TLS handshake not done within 1 s: does the server speak TLS?");
		}
	}

	@Test
	void clearTextRunsSayTlsOff() throws IOException {
		// A server that never answers: the same timeout as above, with no word about TLS.
		try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			BenchInvocation run = bench("--timeout", "1", "-c", "1", "-w", "0", "-d", "2", "127.0.0.1:" + silent.getLocalPort());
			assertThat(run.summary()).containsEntry("tls", "off").doesNotContainKey("tls_handshakes");
			assertThat(run.out()).contains("first error     no reply within 1 s").doesNotContain("handshake");
		}
	}

	@Test
	void helpListsTheTlsOptions() {
		BenchInvocation run = bench("--help");
		assertThat(run.exitCode()).isZero();
		assertThat(run.out()).contains("--tls", "--tls-ca=FILE.pem", "--tls-insecure", "--tls-protocol=VERSION",
				"--tls-cert=FILE.pem", "--tls-key=FILE.pem");
	}

	@ParameterizedTest
	@ValueSource(strings = { "--tls", "--tls-insecure", "--tls-protocol TLSv1.3", "--tls-ca ca.pem",
			"--tls --tls-insecure --tls-ca CA", "--tls --tls-insecure --tls-protocol SSLv3",
			"--tls --tls-ca src/test/resources/tls/no-such.pem", "--tls --tls-ca src/test/resources/tls/server.key",
			"--tls --tls-insecure --tls-cert src/test/resources/tls/client.pem",
			"--tls-cert src/test/resources/tls/client.pem --tls-key src/test/resources/tls/client.key",
			"--tls --tls-insecure --tls-cert src/test/resources/tls/client.key --tls-key src/test/resources/tls/client.key" })
	void badTlsUsageExitsWithTwo(String args) {
		BenchInvocation run = bench(args.replace("CA", CA).split(" "));
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.err()).contains("Usage: bench");
	}

	private static BenchInvocation bench(String... args) {
		return BenchInvocation.of(args);
	}

}
