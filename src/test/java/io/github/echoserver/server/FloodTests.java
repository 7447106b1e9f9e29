package io.github.echoserver.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.testing.AdminPoller;
import io.github.echoserver.testing.ConnectionBurst;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.FloodingClients;
import io.github.echoserver.testing.ProcessProbe;
import io.github.echoserver.testing.RequiredEnvironment;
import io.github.echoserver.testing.RunningServer;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4 point 3: a burst of 15,000 connection attempts against {@code echo.max-connections:
 * 1000}. Proves, in both I/O flavours, that exactly 1,000 are admitted (and served) and exactly
 * 14,000 read {@code server busy# too many connections} and are then closed by the server
 * without the client doing anything more; that the admin API answers every call made during the
 * burst; and that once the admitted clients leave, the process's open file descriptors
 * (/proc/self/fd) and live threads are back to what they were before the burst and no connection
 * object is left reachable, with the registry's counters exact and nothing logged at ERROR,
 * without another client coming to make the server's loops run
 * ({@code letsGoOfClosedConnectionsWithoutWaitingForTheNextClient}).
 * <p>
 * Issue 13 point 9: floods of empty lines from clients that never read, each line a message
 * through the flow, hold neither their event loops ({@code
 * answersAFreshClientWhileOthersFloodTheirLoopsWithEmptyLines}) nor unbounded replies ({@code
 * holdsBoundedRepliesForClientsThatSendEmptyLinesAndNeverRead}).
 * <p>
 * The server and the clients share this JVM, so every figure here covers both sides; the client
 * side is one selector thread with non-blocking connects, and every client channel is closed
 * before the figures are taken. How long things took and the heap after a full GC are printed,
 * not asserted: they depend on the machine, and the exact count of connection objects is what
 * catches a map that keeps closed connections.
 */
@ExtendWith(OutputCaptureExtension.class)
class FloodTests {

	private static final int MAX_CONNECTIONS = 1000;

	private static final int ATTEMPTS = 15_000;

	private static final int REFUSALS = ATTEMPTS - MAX_CONNECTIONS;

	/** The warm-up fills the server once and has a few refused, so every code path has run. */
	private static final int WARM_UP_ATTEMPTS = MAX_CONNECTIONS + 200;

	private static final int BACKLOG = 4096;

	/**
	 * Connections the burst keeps open at once, admitted ones included: the client opens a new
	 * one whenever a refused one has ended. Every connection the server has not accepted yet
	 * waits in the kernel's accept queue, so keeping this under the backlog means no SYN is ever
	 * dropped for a full queue (a dropped SYN is not an error for the client, the kernel resends
	 * it after 1 s, 3 s, ..., but it would make the burst wait on those timers). It also bounds
	 * the file descriptors: one per open client channel plus one per server-side socket.
	 */
	private static final int OPEN_AT_ONCE = 3500;

	/**
	 * This JVM holds the client end of up to {@link #OPEN_AT_ONCE} connections and the server
	 * end of the 1,000 admitted ones, plus the server end of refused connections not closed yet:
	 * NIO closes those on a worker, and during the burst they have been seen to pile up to
	 * about 11,000 (16,000 descriptors in all). CI has 20,000; below this the test fails on CI and
	 * is skipped elsewhere ({@link RequiredEnvironment}).
	 */
	private static final int FDS_NEEDED = 17_000;

	private static final byte[] TOO_MANY_CONNECTIONS = "server busy# too many connections\r\n"
		.getBytes(StandardCharsets.UTF_8);

	/**
	 * How long after the client has read the last refusal a server socket of a refused
	 * connection may still be in a TCP conversation (see {@link ProcessProbe#serverSockets(int)}).
	 * Generous: usually under a second, but with a thread per connection on a machine loaded by a
	 * benchmark beside the tests it once took more than 10 s. A leak still fails, here and in the
	 * descriptor count at the end.
	 */
	private static final Duration SERVER_CLOSE_BOUND = Duration.ofSeconds(30);

	/** Admin calls the burst waits for before it stops polling, so that the API is exercised under load. */
	private static final int ADMIN_CALLS = 3;

	private static final Duration BURST_TIMEOUT = Duration.ofSeconds(30);

	private static final Duration WAIT = Duration.ofSeconds(20);

	/**
	 * Tolerances of the return to the baseline. File descriptors: the admin API's keep-alive
	 * HTTP connection (two descriptors in this JVM) may have been replaced, and a selector costs
	 * two or three; a leak of one descriptor per connection would show as 1,000 to 15,000.
	 */
	private static final int FD_TOLERANCE = 16;

	/**
	 * Threads: the HTTP client's and Tomcat's pools may keep an extra idle worker or two for a
	 * minute; a leak of one thread per admitted connection would show as 1,000.
	 */
	private static final int THREAD_TOLERANCE = 8;

	/** Clients that flood their event loops with empty lines in {@link #answersAFreshClientWhileOthersFloodTheirLoopsWithEmptyLines}. */
	private static final int FLOODERS = 2000;

	/** Empty lines each of them sends, one byte each. */
	private static final int FLOOD_BURST = 64 * 1024;

	/** A generous bound on "a fresh client was answered during the flood"; before the fix it took tens of seconds. */
	private static final Duration FRESH_CLIENT_BOUND = Duration.ofSeconds(5);

	/** Clients that send and never read in {@link #holdsBoundedRepliesForClientsThatSendEmptyLinesAndNeverRead}. */
	private static final int HOLDERS = 10;

	/** The empty lines each of them sends after its long lines: their replies are far more than the kernel holds. */
	private static final int HOLDER_EMPTY_LINES = 256 * 1024;

	/**
	 * The most replies the server holds for a connection that does not read (the README's
	 * "Limits"): those to one turn's lines, {@link EchoNioConnection#LINES_PER_TURN} times the
	 * prefix and CR LF, plus the bytes of those lines, at most one read and an unfinished line
	 * (default {@code max-line-length} 8192, plus one byte for a CR). Before the fix: a whole
	 * read's replies, up to 240 KiB.
	 */
	private static final long HELD_REPLIES_BOUND = EchoNioConnection.LINES_PER_TURN * ("server echo# ".length() + 2)
			+ EventLoop.READ_BUFFER_SIZE + 8192 + 1;

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	@Timeout(value = 120, unit = TimeUnit.SECONDS)
	void refusesTheExtraConnectionsOfABurstPromptlyAndReturnsToTheBaseline(String io, CapturedOutput output)
			throws Exception {
		long openFilesLimit = ProcessProbe.openFilesLimit();
		RequiredEnvironment.require(openFilesLimit >= FDS_NEEDED, () -> "The burst needs about " + FDS_NEEDED
				+ " open files in this JVM (both ends of the connections), the limit is " + openFilesLimit);
		// Blocking: a thread per connection, so that only max-connections refuses (a pool would
		// refuse with "all workers busy" first). NIO: the default pool serves everybody.
		String mode = io.equals("blocking") ? "per-connection" : "pooled";
		try (RunningServer server = RunningServer.start("echo.mode=" + mode, "echo.io=" + io,
				"echo.max-connections=" + MAX_CONNECTIONS, "echo.backlog=" + BACKLOG)) {
			ConnectionRegistry registry = server.registry();
			Usage startup = Usage.now();
			burst(server, WARM_UP_ATTEMPTS, "warm-up");
			// The baseline: what the server holds once the warm-up is over, which is no more
			// than right after startup (threads aside: pools start their threads on demand).
			Usage baseline = settle(server, (now) -> {
				assertThat(now.fds()).as(() -> "fds after the warm-up " + ProcessProbe.fdKinds())
					.isLessThanOrEqualTo(startup.fds() + FD_TOLERANCE);
				assertThat(now.connections()).as("connection objects still reachable after the warm-up").isZero();
			});
			Counters before = Counters.of(registry);

			BurstResult result = burst(server, ATTEMPTS, "burst");

			Counters after = Counters.of(registry);
			assertThat(after.minus(before))
				.isEqualTo(new Counters(MAX_CONNECTIONS, MAX_CONNECTIONS, REFUSALS, 0, MAX_CONNECTIONS));
			assertThat(result.admin().calls()).as("admin calls during the burst").isGreaterThanOrEqualTo(ADMIN_CALLS);
			assertThat(result.admin().maxActive()).as("most active connections the admin API reported")
				.isLessThanOrEqualTo(MAX_CONNECTIONS);

			Usage end = settle(server, (now) -> {
				assertThat(now.fds()).as(() -> "open file descriptors " + ProcessProbe.fdKinds())
					.isLessThanOrEqualTo(baseline.fds() + FD_TOLERANCE);
				assertThat(now.threads()).as(() -> "live threads " + ProcessProbe.threadNames())
					.isLessThanOrEqualTo(baseline.threads() + THREAD_TOLERANCE);
				assertThat(now.connections()).as("connection objects still reachable").isZero();
			});
			System.out.printf("FloodTests io=%s: limit %d open files; fds/threads/heap MB/connection objects: "
					+ "startup %s, baseline %s, peak fds %d, peak server sockets in a conversation %d, after the last client had gone %s%n", io,
					openFilesLimit, startup, baseline, result.peakFds(), result.peakServerSockets(), end);
		}
		assertThat(output.getAll().lines().filter((line) -> line.contains(" ERROR ")))
			.as("lines logged at ERROR")
			.isEmpty();
	}

	/**
	 * An idle server lets go of what its closed connections held without waiting for the next
	 * client. Blocking: the TcpNet factory's map keeps closed connections until its sweep at the
	 * next accept, so they leave it as they close. NIO: a closed channel keeps its file
	 * descriptor until its event loop next selects, which the loop does right after. 200
	 * clients connect, echo a line and leave; the descriptors must come back and no connection
	 * object may stay reachable without any other client (both failed before those fixes). The
	 * heap after a full GC is printed.
	 */
	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	@Timeout(value = 60, unit = TimeUnit.SECONDS)
	void letsGoOfClosedConnectionsWithoutWaitingForTheNextClient(String io) throws Exception {
		String mode = io.equals("blocking") ? "per-connection" : "pooled";
		try (RunningServer server = RunningServer.start("echo.mode=" + mode, "echo.io=" + io)) {
			Usage baseline = settle(server, (now) -> {
			});
			List<EchoClient> clients = new ArrayList<>();
			try {
				for (int i = 0; i < 200; i++) {
					EchoClient client = server.connect();
					clients.add(client);
					client.sendLine("client " + i);
					assertThat(client.readLine()).isEqualTo("server echo# client " + i);
				}
			}
			finally {
				clients.forEach(EchoClient::close);
			}
			await().atMost(WAIT).until(() -> server.registry().active() == 0 && ProcessProbe.serverSockets(server.tcpPort()) == 0);
			Usage[] end = new Usage[1];
			await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> {
					end[0] = Usage.now();
					assertThat(end[0].fds()).as(() -> "open file descriptors " + ProcessProbe.fdKinds())
						.isLessThanOrEqualTo(baseline.fds() + 2);
					assertThat(end[0].connections()).as("connection objects still reachable").isZero();
				});
			System.out.printf("FloodTests io=%s, 200 clients come and gone: fds/threads/heap MB/connection objects: "
					+ "before %s, after %s%n", io, baseline, end[0]);
		}
	}

	/**
	 * Issue 13 point 9: clients that each send a burst of empty lines and never read must not
	 * hold their event loops. An empty line is one message through the flow, and one 16 KiB
	 * read carries 16,384 of them: served to the end of each read, {@link #FLOODERS} such
	 * clients kept a fresh client waiting for its first reply for more than 10 s on two cores.
	 * Once the flood has been sent, a fresh client's line must be answered within
	 * {@link #FRESH_CLIENT_BOUND} (a generous bound on "it was answered", not a latency
	 * figure), while the flood is still being served.
	 */
	@Test
	@Timeout(value = 180, unit = TimeUnit.SECONDS)
	void answersAFreshClientWhileOthersFloodTheirLoopsWithEmptyLines() throws Exception {
		long openFilesLimit = ProcessProbe.openFilesLimit();
		RequiredEnvironment.require(openFilesLimit >= 2L * FLOODERS + 1000, () -> "The flood needs about "
				+ (2 * FLOODERS + 1000) + " open files in this JVM, the limit is " + openFilesLimit);
		long floodLines = (long) FLOODERS * FLOOD_BURST;
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=nio");
				FloodingClients flood = new FloodingClients(server.tcpPort(), FLOODERS, emptyLines(FLOOD_BURST), 0)) {
			ConnectionRegistry registry = server.registry();
			await().atMost(WAIT).until(() -> registry.active() == FLOODERS);
			flood.start();
			await().atMost(Duration.ofSeconds(60)).until(() -> flood.sent() == (long) FLOODERS * FLOOD_BURST);

			long waitedMillis;
			long linesWhenAnswered;
			try (EchoClient fresh = server.connect()) {
				fresh.readTimeout(Duration.ofSeconds(120));
				long sent = System.nanoTime();
				fresh.sendLine("fresh");
				assertThat(fresh.readLine()).isEqualTo("server echo# fresh");
				waitedMillis = (System.nanoTime() - sent) / 1_000_000;
				linesWhenAnswered = registry.linesEchoed();
			}
			System.out.printf("FloodTests flood: %d clients x %d empty lines; a fresh client was answered after %d ms, "
					+ "when %d of their lines had been echoed%n", FLOODERS, FLOOD_BURST, waitedMillis, linesWhenAnswered,
					floodLines);
			assertThat(linesWhenAnswered).as("lines echoed when the fresh client was answered: the flood was still on")
				.isLessThan(floodLines);
			assertThat(waitedMillis).as("ms a fresh client waited for its first reply during the flood")
				.isLessThanOrEqualTo(FRESH_CLIENT_BOUND.toMillis());
		}
	}

	/**
	 * Issue 13 point 9: what the server holds for a client that sends and never reads is
	 * bounded in reply bytes, not in reads: one 16 KiB read of empty lines makes 240 KiB of
	 * replies. {@link #HOLDERS} such clients first send long lines, whose replies fill most of
	 * what the kernel holds for a connection, then empty lines. Once every connection's replies
	 * wait for its client, the replies the server holds for each (what the registry counted out,
	 * less what the kernel holds in the server's send queue and the client's receive queue)
	 * must be within {@link #HELD_REPLIES_BOUND}. Before the fix they were up to a whole read's
	 * replies less the room the socket had left.
	 */
	@Test
	@Timeout(value = 120, unit = TimeUnit.SECONDS)
	void holdsBoundedRepliesForClientsThatSendEmptyLinesAndNeverRead() throws Exception {
		// Long lines for three quarters of what the kernel may queue for the server's socket
		// (its send buffer grows up to tcp_wmem's maximum), then far more empty lines than fit.
		int longLine = 8000;
		int longBytes = (int) (ProcessProbe.tcpSendBufferMax() * 3 / 4) / (longLine + 1) * (longLine + 1);
		byte[] burst = new byte[longBytes + HOLDER_EMPTY_LINES];
		Arrays.fill(burst, (byte) 'x');
		for (int i = longLine; i < longBytes; i += longLine + 1) {
			burst[i] = '\n';
		}
		Arrays.fill(burst, longBytes, burst.length, (byte) '\n');
		// The write timeout would end the clients while the test looks at them.
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=nio", "echo.write-timeout=0");
				FloodingClients flood = new FloodingClients(server.tcpPort(), HOLDERS, burst, 4096)) {
			ConnectionRegistry registry = server.registry();
			await().atMost(WAIT).until(() -> registry.active() == HOLDERS);
			flood.start();
			List<Integer> ports = flood.localPorts();
			await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> ports.stream()
				.allMatch((port) -> server.connectionFrom(port).map(TrackedConnection::isWriteBlocked).orElse(false)));
			long mostHeld = 0;
			for (int port : ports) {
				TrackedConnection connection = server.connectionFrom(port).orElseThrow();
				long inKernel = ProcessProbe.socketQueues(server.tcpPort(), port).sent()
						+ ProcessProbe.socketQueues(port, server.tcpPort()).received();
				mostHeld = Math.max(mostHeld, connection.getBytesOut() - inKernel);
			}
			System.out.printf("FloodTests non-reading clients: %d lines echoed; most reply bytes held for one "
					+ "connection %d%n", registry.linesEchoed(), mostHeld);
			assertThat(registry.linesEchoed()).as("empty lines echoed: the clients got to them")
				.isGreaterThan((long) HOLDERS * (longBytes / (longLine + 1)));
			assertThat(mostHeld).as("reply bytes the server holds for one non-reading connection")
				.isLessThanOrEqualTo(HELD_REPLIES_BOUND);
		}
	}

	private static byte[] emptyLines(int count) {
		byte[] lines = new byte[count];
		Arrays.fill(lines, (byte) '\n');
		return lines;
	}

	/**
	 * Run one burst against the server, with the admin API polled all along: open
	 * {@code attempts} connections, at most {@link #OPEN_AT_ONCE} at once, until all but
	 * {@code max-connections} have been refused; then check the ones left open are served, and
	 * close them.
	 */
	private static BurstResult burst(RunningServer server, int attempts, String name) throws IOException {
		int refusals = attempts - MAX_CONNECTIONS;
		long started = System.nanoTime();
		try (AdminPoller admin = new AdminPoller(server);
				ConnectionBurst burst = new ConnectionBurst(server.tcpPort(), OPEN_AT_ONCE, TOO_MANY_CONNECTIONS)) {
			burst.run(attempts, refusals, BURST_TIMEOUT);
			long burstNanos = System.nanoTime() - started;
			AdminPoller.Result adminResult = admin.stop(ADMIN_CALLS);
			System.out.printf("FloodTests %s: %d attempts in %d ms, %s; admin %s%n", name, attempts,
					burstNanos / 1_000_000, burst, adminResult);
			assertThat(burst.started()).as("attempts connected").isEqualTo(attempts);
			assertThat(burst.closedSilently()).as("closed without the busy line").isZero();
			assertThat(burst.reset()).as("reset").isZero();
			assertThat(burst.otherReplies()).as("anything but the busy line: " + burst.firstOtherReply()).isZero();
			assertThat(burst.refused()).as("refused with the busy line, then closed").isEqualTo(refusals);
			assertThat(server.registry().active()).as("active connections after the burst").isEqualTo(MAX_CONNECTIONS);
			// On the server's side too the conversation of every refused connection is over: only
			// the admitted ones are left. (Their descriptors are counted at the end of the test.)
			long lastRefusal = System.nanoTime();
			await().atMost(SERVER_CLOSE_BOUND).untilAsserted(() -> assertThat(ProcessProbe.serverSockets(server.tcpPort()))
				.as(() -> "server sockets by TCP state " + ProcessProbe.serverSocketStates(server.tcpPort()))
				.isEqualTo(MAX_CONNECTIONS));
			long serverCloseLagMillis = (System.nanoTime() - lastRefusal) / 1_000_000;
			assertThat(adminResult.failures()).as("admin calls that failed or did not answer 200").isEmpty();
			int served = burst.echoOnOpenConnections(WAIT);
			assertThat(served).as("connections left open that echo a line").isEqualTo(MAX_CONNECTIONS);
			System.out.printf("FloodTests %s: server sockets of refused connections all out of their TCP conversation "
					+ "%d ms after the last refusal was read%n", name, serverCloseLagMillis);
			return new BurstResult(burst.peakFds(), burst.peakServerSockets(), adminResult);
		}
		finally {
			await().atMost(WAIT).until(() -> server.registry().active() == 0);
		}
	}

	/**
	 * Wait until the server holds no socket but its listener, then until {@code check} passes
	 * on what the process holds, with no other client coming: an idle server must let go of
	 * its closed connections by itself.
	 */
	private static Usage settle(RunningServer server, java.util.function.Consumer<Usage> check) {
		await().atMost(WAIT).until(() -> server.registry().active() == 0 && ProcessProbe.serverSockets(server.tcpPort()) == 0);
		Usage[] settled = new Usage[1];
		await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			settled[0] = Usage.now();
			check.accept(settled[0]);
		});
		return settled[0];
	}

	private record BurstResult(int peakFds, int peakServerSockets, AdminPoller.Result admin) {
	}

	/** The registry's totals that a burst moves. */
	private record Counters(long accepted, long closed, long refusedTooMany, long refusedPoolFull, long linesEchoed) {

		static Counters of(ConnectionRegistry registry) {
			return new Counters(registry.accepted(), registry.closed(),
					registry.rejected(RejectionReason.TOO_MANY_CONNECTIONS), registry.rejected(RejectionReason.POOL_FULL),
					registry.linesEchoed());
		}

		Counters minus(Counters other) {
			return new Counters(this.accepted - other.accepted, this.closed - other.closed,
					this.refusedTooMany - other.refusedTooMany, this.refusedPoolFull - other.refusedPoolFull,
					this.linesEchoed - other.linesEchoed);
		}

	}

	/**
	 * What this process holds: open file descriptors, live threads, heap used after a full GC,
	 * and the server's connection objects still reachable. The heap figure moves by megabytes
	 * with caches and the JIT; the count of connection objects is exact, so it catches a map
	 * that keeps closed connections (it did: refused ones, 6 MB for a burst, until the next
	 * client came) however small each one is.
	 */
	private record Usage(int fds, int threads, long heapBytes, long connections) {

		static Usage now() {
			// Counted first: the class histogram runs a full GC, so the heap read after it is
			// what is live.
			long connections = ProcessProbe.liveServerConnections();
			return new Usage(ProcessProbe.openFds(), ProcessProbe.threads(), ProcessProbe.heapUsedBytes(), connections);
		}

		@Override
		public String toString() {
			return this.fds + "/" + this.threads + "/" + String.format("%.1f", this.heapBytes / 1048576.0) + "/"
					+ this.connections;
		}

	}

}
