package io.github.echoserver.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench command run in-process, as {@code java -jar echo-server.jar bench} runs it, against
 * the real server (pooled + nio, so every connection is served) and against servers that
 * misbehave. Each run is one to three seconds.
 * <p>
 * Assertions go by counts, bytes and what the report says, never by how fast: this JVM shares
 * the machine with the server and with other builds. A count is asserted against a bound only
 * where the bound cannot depend on speed (a paced run cannot count more lines than are due in
 * its window; a server cannot cut a connection before its timeout). The rates and latencies are
 * printed for whoever reads the test output; {@link PacerTests} proves the rate on a fake clock.
 */
@Timeout(60)
class BenchCommandTests {

	private static final List<String> COMMON_KEYS = List.of("mode", "conns", "threads", "size", "pipeline",
			"warmup_s", "duration_s", "conn_ok", "conn_fail", "conn_closed", "conns_with_reply", "p50_us", "p90_us",
			"p99_us", "p999_us", "max_us", "mean_us", "errors", "mismatches", "timeouts", "connect_ms");

	private static RunningServer server;

	/**
	 * Cuts trickled lines after 800 ms, for trickle mode; its idle timeout is long enough that a
	 * bench thread held up by a busy machine is never cut for idleness instead.
	 */
	private static RunningServer lineTimeoutServer;

	/** Cuts silent connections after 400 ms and trickled lines after 800 ms, for trickle mode. */
	private static RunningServer strictServer;

	@BeforeAll
	static void startServer() {
		server = RunningServer.start("echo.io=nio", "echo.pool.size=2");
		lineTimeoutServer = RunningServer.start("echo.io=nio", "echo.pool.size=2", "echo.line-timeout=800ms",
				"echo.idle-timeout=1m");
		strictServer = RunningServer.start("echo.io=nio", "echo.pool.size=2", "echo.line-timeout=800ms",
				"echo.idle-timeout=400ms");
	}

	@AfterAll
	static void stopServer() {
		server.close();
		lineTimeoutServer.close();
		strictServer.close();
	}

	@Test
	void echoModeGetsEveryReplyRight() {
		// Two seconds, so that at least one progress line (one per second) is printed before the end.
		BenchInvocation run = bench("-c", "4", "-w", "0", "-d", "2", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		Map<String, String> summary = run.summary();
		assertThat(summary).containsKeys(COMMON_KEYS.toArray(String[]::new))
			.containsKeys("replies", "rps", "rx_Bps", "tx_Bps", "outstanding", "per_conn_min", "per_conn_p50",
					"per_conn_max")
			.containsEntry("mode", "echo")
			.containsEntry("conn_ok", "4")
			.containsEntry("conns_with_reply", "4")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
		assertThat(Long.parseLong(summary.get("replies"))).isPositive();
		assertThat(Double.parseDouble(summary.get("p99_us"))).isPositive();
		assertThat(run.out()).contains("latency µs", "replies", "throughput", "mismatches");
		assertThat(run.err()).contains("replies/s");
	}

	@Test
	void pipelinedEchoOnTwoThreadsGetsEveryReplyRight() {
		BenchInvocation run = bench("-c", "4", "-p", "16", "-t", "2", "-s", "100", "-w", "0", "-d", "1", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("pipeline", "16")
			.containsEntry("threads", "2")
			.containsEntry("conns_with_reply", "4")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
		assertThat(Long.parseLong(run.summary().get("replies"))).isPositive();
	}

	@Test
	void connectModeCompletesCycles() {
		BenchInvocation run = bench("-m", "connect", "-c", "2", "-w", "0", "-d", "1", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsKeys(COMMON_KEYS.toArray(String[]::new))
			.containsKeys("connects", "cps")
			.containsEntry("mode", "connect")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
		assertThat(Long.parseLong(run.summary().get("connects"))).isPositive();
	}

	@Test
	void holdModeKeepsEveryConnectionAndChecksItTwice() {
		BenchInvocation run = bench("-m", "hold", "-c", "200", "-d", "1", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsKeys(COMMON_KEYS.toArray(String[]::new))
			.containsEntry("mode", "hold")
			.containsEntry("conn_ok", "200")
			.containsEntry("answered_initial", "200")
			.containsEntry("held_open", "200")
			.containsEntry("closed_during_hold", "0")
			.containsEntry("answered_final", "200")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
	}

	@Test
	void pacedEchoSpreadsTheRateOverTheConnectionsAndNeverExceedsIt() {
		BenchInvocation run = bench("-c", "4", "--rate", "400", "-w", "0", "-d", "2", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("rate", "400")
			.containsEntry("conns_with_reply", "4")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
		// 800 lines are due in the window and a reply counts by its line's due time: never more.
		assertThat(Long.parseLong(run.summary().get("replies"))).isPositive().isLessThanOrEqualTo(800);
		assertThat(run.out()).contains("rate=400/s", "target 400/s, achieved", "scheduled send time");
		System.out.println("BenchCommandTests paced echo: rps=" + run.summary().get("rps") + " of 400, p50_us="
				+ run.summary().get("p50_us"));
	}

	/**
	 * Every reply takes at least 50 ms, so one connection gets at most 40 of the 200 lines due in
	 * 2 s answered: the others wait for their turn, and the run still ends cleanly. That the wait
	 * counts as latency (coordinated omission) is proven on fixed clock values by
	 * {@link PacerTests} and {@link LoadConnectionTests}; the figures are printed here.
	 */
	@Test
	void pacedEchoHoldsBackTheLinesASlowServerHasNotAnswered() throws IOException {
		try (ServerSocket slowServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread serving = new Thread(() -> answerEvery50Millis(slowServer), "slow-server");
			serving.setDaemon(true);
			serving.start();
			BenchInvocation run = bench("-c", "1", "--rate", "100", "-w", "0", "-d", "2", "127.0.0.1:" + slowServer.getLocalPort());
			assertThat(run.exitCode()).as(run.toString()).isZero();
			assertThat(run.summary()).containsEntry("errors", "0").containsEntry("mismatches", "0");
			// One line in flight (-p 1), each answered 50 ms or more after it came: at most 40 in 2 s.
			assertThat(Long.parseLong(run.summary().get("replies"))).isPositive().isLessThanOrEqualTo(40);
			assertThat(Long.parseLong(run.summary().get("outstanding"))).isLessThanOrEqualTo(1);
			assertThat(run.out()).contains("target 100/s, achieved", "scheduled send time");
			System.out.println("BenchCommandTests paced echo, slow server: rps=" + run.summary().get("rps")
					+ " of 100, p50_us=" + run.summary().get("p50_us") + ", max_us=" + run.summary().get("max_us"));
		}
	}

	@Test
	void pacedConnectModeNeverExceedsTheRate() {
		BenchInvocation run = bench("-m", "connect", "-c", "4", "--rate", "100", "-w", "0", "-d", "2", target());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("rate", "100").containsEntry("errors", "0");
		// 200 cycles are due in the window, and one due at its end may not start early into it (it did: 201).
		assertThat(Long.parseLong(run.summary().get("connects"))).isPositive().isLessThanOrEqualTo(200);
		System.out.println("BenchCommandTests paced connect: cps=" + run.summary().get("cps") + " of 100");
	}

	@Test
	void unpacedRunsSayRateZero() {
		BenchInvocation run = bench("-m", "connect", "-c", "1", "-w", "0", "-d", "1", target());
		assertThat(run.summary()).containsEntry("rate", "0");
		assertThat(run.out()).doesNotContain("target ");
	}

	@Test
	void trickleModeCountsLineTimeoutsAndReopens() {
		BenchInvocation run = bench("-m", "trickle", "-c", "3", "--interval", "100", "-d", "3", lineTimeoutTarget());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		Map<String, String> summary = run.summary();
		assertThat(summary).containsKeys(COMMON_KEYS.toArray(String[]::new))
			.containsKeys("opened", "closed_by_server", "line_timeout", "idle_timeout", "closed_other", "open_at_end",
					"trickled_bytes")
			.containsEntry("mode", "trickle")
			.containsEntry("interval_ms", "100")
			.containsEntry("idle_timeout", "0")
			.containsEntry("closed_other", "0")
			.containsEntry("open_at_end", "3")
			.containsEntry("errors", "0")
			.containsEntry("mismatches", "0");
		// Cut no sooner than 800 ms after its first byte, a slot's connection lives 800 ms at least:
		// three cuts per slot at most in 3 s, however slow the machine.
		long cut = Long.parseLong(summary.get("line_timeout"));
		assertThat(cut).isPositive().isLessThanOrEqualTo(9);
		assertThat(summary).containsEntry("closed_by_server", Long.toString(cut))
			.containsEntry("opened", Long.toString(cut + 3));
		assertThat(run.out()).contains("closed with", "x server bye# line timeout", "lifetime µs");
		assertThat(run.err()).contains("closed/s");
		System.out.println("BenchCommandTests trickle: " + cut + " line timeouts, lifetime p50_us=" + summary.get("p50_us"));
	}

	@Test
	void trickleModeSlowerThanTheIdleTimeoutIsCutForIdleness() {
		BenchInvocation run = bench("-m", "trickle", "-c", "2", "--interval", "1000", "-d", "2", strictTarget());
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).containsEntry("line_timeout", "0").containsEntry("errors", "0");
		// Cut after 400 ms of silence, before the line timeout; a slot opens at most one connection per
		// interval, so two per slot at most in 2 s.
		assertThat(Long.parseLong(run.summary().get("idle_timeout"))).isPositive().isLessThanOrEqualTo(4);
	}

	@Test
	void trickleModeFailsWhenConnectsFail() throws IOException {
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		BenchInvocation run = bench("-m", "trickle", "-c", "2", "--interval", "200", "-d", "1", "127.0.0.1:" + port);
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
		assertThat(run.summary()).containsEntry("opened", "0");
		assertThat(Long.parseLong(run.summary().get("conn_fail"))).isGreaterThanOrEqualTo(2);
	}

	@Test
	void aHalfHourDurationIsAccepted() {
		// Cut at once by the hard limit: what matters is that the options are not refused (exit code 2).
		BenchInvocation run = bench("-d", "1800", "-w", "0", "--max-duration", "1", target());
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
		assertThat(run.summary()).containsEntry("duration_s", "1800").containsEntry("mismatches", "0");
	}

	@Test
	void aWrongByteInEveryReplyIsCountedAndExitsWithOne() throws IOException {
		try (ServerSocket wrongServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread serving = new Thread(() -> answerWithAWrongByte(wrongServer), "wrong-byte-server");
			serving.setDaemon(true);
			serving.start();
			BenchInvocation run = bench("-c", "2", "-w", "0", "-d", "1", "127.0.0.1:" + wrongServer.getLocalPort());
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
			assertThat(run.summary()).containsEntry("replies", "0").containsEntry("errors", "0");
			assertThat(Long.parseLong(run.summary().get("mismatches"))).isPositive();
			assertThat(run.out()).contains("first mismatch", "request 0: got \"server echo# !");
		}
	}

	@Test
	void aPortWithNobodyListeningIsAnErrorNotACrash() throws IOException {
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		BenchInvocation run = bench("-c", "3", "-w", "0", "-d", "1", "127.0.0.1:" + port);
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
		assertThat(run.summary()).containsEntry("conn_ok", "0").containsEntry("conn_fail", "3");
		assertThat(run.out()).contains("first error", "connect");
	}

	@Test
	void theHardLimitEndsTheRunWhateverTheServerDoes() {
		long start = System.nanoTime();
		BenchInvocation run = bench("-c", "2", "-w", "0", "-d", "30", "--max-duration", "1", target());
		System.out.println("BenchCommandTests hard limit: a 30 s run stopped after "
				+ Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
		assertThat(run.exitCode()).isEqualTo(1);
		assertThat(run.err()).contains("hard time limit of 1 s reached");
		// Every load thread left its loop when told: none is missing from the figures.
		assertThat(run.out()).doesNotContain("did not stop");
		assertThat(run.summary()).containsEntry("duration_s", "30").containsEntry("mismatches", "0");
	}

	@Test
	void helpListsTheOptionsAndExitsWithZero() {
		BenchInvocation run = bench("--help");
		assertThat(run.exitCode()).isZero();
		assertThat(run.out()).contains("Usage: bench", "--connections", "--pipeline", "--size", "--warmup",
				"--duration", "--mode", "--threads", "--timeout", "--max-duration", "host:port",
				"default: 127.0.0.1:7007", "Exit codes:", "--rate", "coordinated omission", "trickle", "--interval");
	}

	@ParameterizedTest
	@ValueSource(strings = { "--bogus", "-c 0", "-m nope", "-m hold -p 4", "-p 5000", "-s 0", "-d 0", "-d 604801",
			"--rate -1", "-m hold --rate 10", "-m trickle --rate 10", "--interval 100", "-m trickle --interval 0",
			"-m trickle -p 2", "localhost", "127.0.0.1:99999" })
	void badUsageExitsWithTwo(String args) {
		BenchInvocation run = bench(args.split(" "));
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.err()).contains("Usage: bench");
	}

	private static String target() {
		return "127.0.0.1:" + server.tcpPort();
	}

	private static String lineTimeoutTarget() {
		return "127.0.0.1:" + lineTimeoutServer.tcpPort();
	}

	private static String strictTarget() {
		return "127.0.0.1:" + strictServer.tcpPort();
	}

	private static BenchInvocation bench(String... args) {
		return BenchInvocation.of(args);
	}

	/** Replies "server echo# " and the line with its first byte changed, until the client leaves. */
	private static void answerWithAWrongByte(ServerSocket wrongServer) {
		while (!wrongServer.isClosed()) {
			try {
				Socket socket = wrongServer.accept();
				socket.setSoTimeout(10_000);
				Thread connection = new Thread(() -> {
					try (socket;
							BufferedReader in = new BufferedReader(
									new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))) {
						OutputStream out = socket.getOutputStream();
						for (String line = in.readLine(); line != null; line = in.readLine()) {
							out.write(("server echo# !" + line.substring(1) + "\r\n").getBytes(StandardCharsets.US_ASCII));
						}
					}
					catch (IOException ex) {
						// the bench closed the connection: this fake server is done with it
					}
				});
				connection.setDaemon(true);
				connection.start();
			}
			catch (IOException ex) {
				return; // closed by the test
			}
		}
	}

	/** Replies right, but each 50 ms after its line came in, until the client leaves. */
	private static void answerEvery50Millis(ServerSocket slowServer) {
		while (!slowServer.isClosed()) {
			try {
				Socket socket = slowServer.accept();
				socket.setSoTimeout(10_000);
				Thread connection = new Thread(() -> {
					try (socket;
							BufferedReader in = new BufferedReader(
									new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))) {
						OutputStream out = socket.getOutputStream();
						for (String line = in.readLine(); line != null; line = in.readLine()) {
							Thread.sleep(50);
							out.write(("server echo# " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
						}
					}
					catch (IOException ex) {
						// the bench closed the connection: this fake server is done with it
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				});
				connection.setDaemon(true);
				connection.start();
			}
			catch (IOException ex) {
				return; // closed by the test
			}
		}
	}

}
