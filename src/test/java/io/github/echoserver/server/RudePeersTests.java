package io.github.echoserver.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.Flood;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RudePeer;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.Bytes.concat;
import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static io.github.echoserver.testing.Echoes.echoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4 point 4, rude peers: a client that resets the connection in the middle of a line or
 * in the middle of a reply, connects and leaves without a byte, half-closes, vanishes without
 * a FIN, streams 100 MB without a newline, mixes CR-only and LF-only terminators, or sends
 * telnet's control sequences. For each, proven in pooled blocking and pooled NIO (and, where it
 * costs little, single NIO and per-connection): the server logs no ERROR line and no stack
 * trace (WARN lines such as "line too long" are allowed), the registry's counters come out
 * exact ({@code accepted = active + closed}, lines echoed and bytes received as sent), no
 * connection entry is left behind, and a client connected all along, and a new one, are still
 * served.
 * <p>
 * Assertions go by what a client sees, what the registry counts and how many workers are busy
 * (README, "Reading the pool state"), never by how the server reads or writes, so they hold
 * whichever way the write path applies back-pressure.
 */
class RudePeersTests {

	private static final int MAX_LINE = 1024;

	private static final String PREFIX = "server echo# ";

	private static final String LINE_TOO_LONG = "server error# line too long (max 1024 bytes)\r\n";

	private static final String INTERRUPTED = "server bye# interrupted\r\n";

	private static final String IDLE_TIMEOUT = "server bye# idle timeout\r\n";

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final long HUNDRED_MEGABYTES = 100L * 1024 * 1024;

	/**
	 * Workers busy when only the bystander is open and idle: with blocking I/O a worker is busy
	 * for as long as its client is served, with NIO only while it handles a read (README,
	 * "Reading the pool state").
	 */
	private static final int BLOCKING = 1;

	private static final int NIO = 0;

	private static final byte IAC = (byte) 0xFF;

	/**
	 * What Linux telnet sends as soon as it connects, before the user types: DO SUPPRESS-GO-AHEAD,
	 * WILL TERMINAL-TYPE, WILL NAWS, WILL TERMINAL-SPEED, WILL LFLOW, WILL LINEMODE,
	 * WILL NEW-ENVIRON, DO STATUS.
	 */
	private static final byte[] TELNET_OPENING = { IAC, (byte) 0xFD, 0x03, IAC, (byte) 0xFB, 0x18, IAC, (byte) 0xFB,
			0x1F, IAC, (byte) 0xFB, 0x20, IAC, (byte) 0xFB, 0x21, IAC, (byte) 0xFB, 0x22, IAC, (byte) 0xFB, 0x27, IAC,
			(byte) 0xFD, 0x05 };

	/** A sub-negotiation: IAC SB TERMINAL-TYPE IS "XTERM" IAC SE. */
	private static final byte[] TELNET_TERMINAL_TYPE = { IAC, (byte) 0xFA, 0x18, 0x00, 'X', 'T', 'E', 'R', 'M', IAC,
			(byte) 0xF0 };

	/** What telnet sends on Ctrl+C: IAC IP, then IAC DO TIMING-MARK. */
	private static final byte[] TELNET_CTRL_C = { IAC, (byte) 0xF4, IAC, (byte) 0xFD, 0x06 };

	/** What telnet sends for its {@code send brk} command: IAC BRK. */
	private static final byte[] TELNET_BREAK = { IAC, (byte) 0xF3 };

	@Nested
	class PooledBlocking extends RudePeers {

		PooledBlocking() {
			super(BLOCKING, "echo.mode=pooled", "echo.io=blocking");
		}

	}

	@Nested
	class PooledNio extends RudePeers {

		PooledNio() {
			super(NIO, "echo.mode=pooled", "echo.io=nio");
		}

	}

	@Nested
	class SingleNio extends RudePeers {

		SingleNio() {
			super(NIO, "echo.mode=single", "echo.io=nio");
		}

	}

	@Nested
	class PerConnectionBlocking extends RudePeers {

		PerConnectionBlocking() {
			super(BLOCKING, "echo.mode=per-connection", "echo.io=blocking");
		}

	}

	/**
	 * A client that goes silent without a FIN (its host vanished, or it just holds the socket)
	 * is closed by the idle timeout with {@code server bye# idle timeout}, whether it left a
	 * complete line or half a line behind, while a client that keeps sending is served
	 * throughout; no ERROR, counters exact.
	 */
	@ParameterizedTest
	@CsvSource({ "blocking, 1", "nio, 0" })
	void aPeerThatVanishesWithoutAFinIsClosedByTheIdleTimeout(String io, int quietWorkers) throws Exception {
		try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=" + io, "echo.idle-timeout=1s",
				"echo.max-line-length=" + MAX_LINE);
				LogCapture logs = LogCapture.start();
				EchoClient busy = server.connect();
				EchoClient silent = server.connect();
				EchoClient silentMidLine = server.connect()) {
			ConnectionRegistry registry = server.registry();
			String lastLine = "then nothing, not even a FIN";
			String halfLine = "half a line, then nothing";
			assertEchoes(silent, lastLine);
			silentMidLine.send(halfLine);
			long sent = lastLine.length() + 2 + halfLine.length();
			eventually().until(() -> registry.bytesReceived() == sent);
			CompletableFuture<String> silentEnd = CompletableFuture.supplyAsync(() -> text(silent.readToEnd()));
			CompletableFuture<String> silentMidLineEnd = CompletableFuture
				.supplyAsync(() -> text(silentMidLine.readToEnd()));

			// The busy client sends a line every 200 ms for 2 s: twice the idle timeout.
			AtomicInteger busyEchoes = new AtomicInteger();
			await().pollInSameThread()
				.pollInterval(Duration.ofMillis(200))
				.during(Duration.ofSeconds(2))
				.atMost(WAIT)
				.until(() -> echoes(busy, "still here") && busyEchoes.incrementAndGet() > 0);

			assertThat(silentEnd.get(5, TimeUnit.SECONDS)).isEqualTo(IDLE_TIMEOUT);
			assertThat(silentMidLineEnd.get(5, TimeUnit.SECONDS)).isEqualTo(IDLE_TIMEOUT);
			eventually().until(() -> registry.active() == 1 && registry.closed() == 2);
			// The busy client's worker (blocking) is the only one left at work.
			ConnectionModel workers = server.context().getBean(ConnectionModel.class);
			eventually().until(() -> workers.state().activeThreads() == quietWorkers);
			assertThat(registry.connections()).singleElement()
				.extracting(TrackedConnection::getRemotePort)
				.isEqualTo(busy.localPort());
			assertThat(registry.accepted()).isEqualTo(3).isEqualTo(registry.active() + registry.closed());
			// The half line of the vanished client is not echoed: it never ended, not even by a FIN.
			// (A reply can be read a moment before it is counted.)
			eventually().until(() -> registry.linesEchoed() == 1 + busyEchoes.get());
			assertThat(registry.internalErrors()).isZero();
			try (EchoClient fresh = server.connect()) {
				assertEchoes(fresh, "newcomer");
			}
			assertEchoes(busy, "and still here");
			logs.assertNoErrorsOrStackTraces();
		}
	}

	/**
	 * The cases for one {@code echo.mode} and {@code echo.io}, on one server. Each case starts
	 * with no connection open but a bystander client that has been served, and ends by
	 * {@link #settled(int)} and {@link #assertServerUnharmed()}.
	 */
	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class RudePeers {

		private final int quietWorkers;

		private final String[] properties;

		private @Nullable RunningServer server;

		private @Nullable LogCapture logs;

		private @Nullable EchoClient bystander;

		private @Nullable Counters before;

		/**
		 * @param quietWorkers workers busy while only the idle bystander is open
		 * @param properties the server's {@code echo.mode} and {@code echo.io}
		 */
		RudePeers(int quietWorkers, String... properties) {
			this.quietWorkers = quietWorkers;
			this.properties = properties;
		}

		@BeforeAll
		void startServer() {
			String[] all = Arrays.copyOf(this.properties, this.properties.length + 1);
			all[this.properties.length] = "echo.max-line-length=" + MAX_LINE;
			this.server = RunningServer.start(all);
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		@BeforeEach
		void aBystanderIsServed() {
			ConnectionRegistry registry = server().registry();
			eventually().until(() -> registry.active() == 0);
			this.logs = LogCapture.start();
			long echoedBefore = registry.linesEchoed();
			this.bystander = server().connect();
			assertEchoes(this.bystander, "bystander before");
			// The count may follow the reply by a moment: a reply can be read before it is counted.
			eventually().until(() -> registry.linesEchoed() == echoedBefore + 1);
			this.before = Counters.of(registry);
		}

		@AfterEach
		void closeBystander() {
			if (this.bystander != null) {
				this.bystander.close();
			}
			if (this.logs != null) {
				this.logs.close();
			}
		}

		/**
		 * Clients that connect and leave without sending a byte, half of them with a FIN and half
		 * with a reset, are each accepted once and closed once: nothing echoed, nothing received.
		 */
		@Test
		void connectAndCloseWithoutAByte() {
			int peers = 10;
			for (int i = 0; i < peers; i++) {
				RudePeer peer = RudePeer.connect(server().tcpPort());
				if (i % 2 == 0) {
					peer.close();
				}
				else {
					peer.reset();
				}
			}
			Counters after = settled(peers);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed());
			assertThat(after.bytesReceived()).isEqualTo(before().bytesReceived());
			assertServerUnharmed();
		}

		/**
		 * A reset while the server holds half a line: the complete line before it was echoed, the
		 * half line is dropped (a reset is not an end of stream), the bytes are counted.
		 */
		@Test
		void resetInTheMiddleOfALine() {
			try (RudePeer rude = RudePeer.connect(server().tcpPort())) {
				rude.send("whole line\n");
				assertThat(rude.readLine()).isEqualTo(PREFIX + "whole line");
				rude.send("half a li");
				eventually().until(() -> server().registry().bytesReceived() == before().bytesReceived() + 20);
				rude.reset();
			}
			Counters after = settled(1);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed() + 1);
			assertThat(after.bytesReceived()).isEqualTo(before().bytesReceived() + 20);
			assertServerUnharmed();
		}

		/**
		 * A client sends 100-byte lines without reading the replies until the server cannot write
		 * any more (it stops reading, so the client's own writes block), then resets: the server
		 * lets go of the connection, and has counted no line it did not receive.
		 */
		@Test
		void resetInTheMiddleOfAReply() throws Exception {
			resetWhileRepliesAreWaiting("y".repeat(99) + "\n");
		}

		/**
		 * The same with one-byte lines, whose replies are eight times the size of what was
		 * received: many replies to a single read are still being written when the reset comes.
		 */
		@Test
		void resetInTheMiddleOfTheRepliesToShortLines() throws Exception {
			resetWhileRepliesAreWaiting("y\n");
		}

		private void resetWhileRepliesAreWaiting(String line) throws Exception {
			long linesEchoedBeforeReset;
			long written;
			try (RudePeer rude = RudePeer.connect(server().tcpPort(), 4096)) {
				// Up to 32 MB: more than every socket buffer on the way can hold.
				byte[] chunk = line.repeat(10_000 / line.length()).getBytes(StandardCharsets.US_ASCII);
				Flood flood = Flood.start(rude.output(), chunk, 32_000_000 / chunk.length);
				TrackedConnection tracked = eventually().until(() -> server().connectionFrom(rude.localPort()).orElse(null),
						(found) -> found != null);
				await().pollInterval(Duration.ofMillis(100))
					.atMost(Duration.ofSeconds(20))
					.until(stalled(() -> tracked.getBytesIn() + flood.written(), 5));
				linesEchoedBeforeReset = tracked.getLinesEchoed();
				assertThat(linesEchoedBeforeReset).as("lines echoed before the reset").isPositive();
				assertThat(flood.isAlive()).as("the client's writes are blocked: the server stopped reading").isTrue();
				rude.reset();
				assertThat(flood.awaitEnd(WAIT)).as("the client's blocked write fails").isNotNull();
				written = flood.written();
			}
			Counters after = settled(1);
			long received = after.bytesReceived() - before().bytesReceived();
			long echoed = after.linesEchoed() - before().linesEchoed();
			assertThat(received).isPositive().isLessThanOrEqualTo(written);
			// Every line counted as echoed was received whole (the bystander's lines are not in these deltas).
			assertThat(echoed).isBetween(linesEchoedBeforeReset, received / line.length());
			assertServerUnharmed();
		}

		/**
		 * A client that half-closes and keeps reading gets a reply for every line, the unterminated
		 * last one included, then the server's close; one that half-closes having sent nothing gets
		 * just the close.
		 */
		@Test
		void halfCloseGetsEveryReplyThenTheClose() {
			String sent = "one\r\ntwo\nthree without a newline";
			try (EchoClient halfClosed = server().connect(); EchoClient quiet = server().connect()) {
				halfClosed.send(sent);
				halfClosed.shutdownOutput();
				assertThat(text(halfClosed.readToEnd())).isEqualTo(
						PREFIX + "one\r\n" + PREFIX + "two\r\n" + PREFIX + "three without a newline\r\n");
				quiet.shutdownOutput();
				assertThat(quiet.readToEnd()).isEmpty();
			}
			Counters after = settled(2);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed() + 3);
			assertThat(after.bytesReceived()).isEqualTo(before().bytesReceived() + sent.length());
			assertServerUnharmed();
		}

		/**
		 * 100 MB without a newline, streamed from a 64 KiB chunk: the client gets the line-too-long
		 * error and the close, it cannot get the 100 MB out (the server stops reading at the
		 * limit), and the server has read a bounded amount of it, not collected the stream.
		 */
		@Test
		void oneHundredMegabytesWithoutANewlineAreRefusedAtTheLimit() throws Exception {
			Flood flood;
			try (RudePeer rude = RudePeer.connect(server().tcpPort())) {
				flood = floodWithoutNewline(rude);
				assertThat(text(rude.readUntilClosed())).isEqualTo(LINE_TOO_LONG);
			}
			// Closing our socket ends the flood, if the server's close has not made it fail already.
			flood.awaitEnd(WAIT);
			assertThat(flood.written()).as("bytes the client got out").isLessThan(HUNDRED_MEGABYTES);
			Counters after = settled(1);
			assertThat(after.linesTooLong()).isEqualTo(before().linesTooLong() + 1);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed());
			assertThat(after.bytesReceived() - before().bytesReceived()).as("bytes the server read")
				.isGreaterThan(MAX_LINE)
				.isLessThanOrEqualTo(1024 * 1024);
			assertServerUnharmed();
		}

		/**
		 * A client that goes on sending after its line-too-long error has its writes fail soon
		 * after: the server lets go of the socket at once, on its own, without waiting for
		 * traffic from anybody else (nobody else sends anything meanwhile).
		 */
		@Test
		void aClientStillSendingAfterItsRefusalHasItsWritesFail() throws Exception {
			try (RudePeer rude = RudePeer.connect(server().tcpPort())) {
				Flood flood = floodWithoutNewline(rude);
				assertThat(text(rude.readUntilClosed())).isEqualTo(LINE_TOO_LONG);
				assertThat(flood.awaitEnd(Duration.ofSeconds(5)))
					.as("the client's write fails: the server has closed its socket")
					.isNotNull();
			}
			Counters after = settled(1);
			assertThat(after.linesTooLong()).isEqualTo(before().linesTooLong() + 1);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed());
			assertServerUnharmed();
		}

		private static Flood floodWithoutNewline(RudePeer rude) {
			byte[] chunk = new byte[64 * 1024];
			Arrays.fill(chunk, (byte) 'x');
			return Flood.start(rude.output(), chunk, HUNDRED_MEGABYTES / chunk.length);
		}

		/**
		 * Only LF ends a line, and only one CR right before it is dropped: a lone CR is data, an
		 * empty CR LF line is an empty line, a CR LF split over two packets is still a CR LF, and
		 * an unterminated last line ending in CR keeps its CR.
		 */
		@Test
		void crOnlyAndLfOnlyTerminatorsMixed() {
			String sent = "a\rb\n" + "lf only\n" + "\r\n" + "two\r\rcrs\n" + "\r\r\n" + "\rcr first\r\n";
			String lastLine = "cr only\rat the end\r";
			try (EchoClient client = server().connect()) {
				client.send(sent);
				byte[] expected = (PREFIX + "a\rb\r\n" + PREFIX + "lf only\r\n" + PREFIX + "\r\n" + PREFIX
						+ "two\r\rcrs\r\n" + PREFIX + "\r\r\n" + PREFIX + "\rcr first\r\n")
					.getBytes(StandardCharsets.UTF_8);
				assertThat(text(client.readBytes(expected.length))).isEqualTo(text(expected));

				client.send("split\r");
				eventually()
					.until(() -> server().registry().bytesReceived() == before().bytesReceived() + sent.length() + 6);
				client.send("\n");
				assertThat(text(client.readLineBytes())).isEqualTo(PREFIX + "split\r\n");

				client.send(lastLine);
				client.shutdownOutput();
				assertThat(text(client.readToEnd())).isEqualTo(PREFIX + lastLine + "\r\n");
			}
			Counters after = settled(1);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed() + 6 + 1 + 1);
			assertThat(after.bytesReceived())
				.isEqualTo(before().bytesReceived() + sent.length() + 7 + lastLine.length());
			assertServerUnharmed();
		}

		/**
		 * Telnet's negotiation at connect and a sub-negotiation are not commands the server acts
		 * on: their bytes are echoed as part of the line they arrive in, and the session goes on.
		 * Ctrl+C (IAC IP, IAC DO TIMING-MARK) after a line ends the session with
		 * {@code server bye# interrupted}; IAC BRK after half a line ends it too, without echoing
		 * the half line.
		 */
		@Test
		void telnetNegotiationIsEchoedAndCtrlCOrBreakEndsTheSession() {
			long sent = 0;
			try (EchoClient telnet = server().connect(); EchoClient breaker = server().connect()) {
				telnet.send(TELNET_OPENING);
				telnet.send("hello\r\n");
				sent += TELNET_OPENING.length + 7;
				assertThat(telnet.readLineBytes()).isEqualTo(concat(PREFIX.getBytes(StandardCharsets.UTF_8),
						TELNET_OPENING, "hello\r\n".getBytes(StandardCharsets.UTF_8)));
				assertEchoes(telnet, "the session goes on");
				sent += 21;
				telnet.send(concat(TELNET_TERMINAL_TYPE, "x\r\n".getBytes(StandardCharsets.UTF_8)));
				sent += TELNET_TERMINAL_TYPE.length + 3;
				assertThat(telnet.readLineBytes()).isEqualTo(concat(PREFIX.getBytes(StandardCharsets.UTF_8),
						TELNET_TERMINAL_TYPE, "x\r\n".getBytes(StandardCharsets.UTF_8)));
				telnet.send(TELNET_CTRL_C);
				sent += TELNET_CTRL_C.length;
				assertThat(text(telnet.readToEnd())).isEqualTo(INTERRUPTED);

				assertEchoes(breaker, "a line");
				breaker.send("half a line");
				long sentBeforeBreak = sent + 8 + 11;
				eventually()
					.until(() -> server().registry().bytesReceived() == before().bytesReceived() + sentBeforeBreak);
				breaker.send(TELNET_BREAK);
				sent = sentBeforeBreak + TELNET_BREAK.length;
				assertThat(text(breaker.readToEnd())).isEqualTo(INTERRUPTED);
			}
			Counters after = settled(2);
			assertThat(after.linesEchoed()).isEqualTo(before().linesEchoed() + 3 + 1);
			assertThat(after.bytesReceived()).isEqualTo(before().bytesReceived() + sent);
			assertServerUnharmed();
		}

		/**
		 * Wait until only the bystander is left, {@code closed} more connections have closed and
		 * the workers are done with them (what a worker does after the close, such as logging, is
		 * then over), then check that every one of them was accepted once and that the registry
		 * holds no other entry.
		 * @param closed how many connections the case opened (all closed by now)
		 * @return the counters then
		 */
		Counters settled(int closed) {
			ConnectionRegistry registry = server().registry();
			eventually()
				.until(() -> registry.active() == 1 && registry.closed() == before().closed() + closed);
			ConnectionModel workers = server().context().getBean(ConnectionModel.class);
			eventually().until(() -> workers.state().activeThreads() == this.quietWorkers);
			Counters after = Counters.of(registry);
			assertThat(after.accepted()).isEqualTo(before().accepted() + closed)
				.isEqualTo(after.active() + after.closed());
			assertThat(registry.connections()).singleElement()
				.extracting(TrackedConnection::getRemotePort)
				.isEqualTo(bystander().localPort());
			assertThat(after.internalErrors()).isEqualTo(before().internalErrors());
			assertThat(after.writeTimeouts()).isEqualTo(before().writeTimeouts());
			return after;
		}

		/**
		 * The bystander, connected all along, and a new client are served; no ERROR line or stack
		 * trace was logged.
		 */
		void assertServerUnharmed() {
			assertEchoes(bystander(), "bystander after");
			try (EchoClient fresh = server().connect()) {
				assertEchoes(fresh, "newcomer");
			}
			ConnectionRegistry registry = server().registry();
			eventually().until(() -> registry.active() == 1);
			assertThat(registry.accepted()).isEqualTo(registry.active() + registry.closed());
			this.logs.assertNoErrorsOrStackTraces();
		}

		private RunningServer server() {
			assertThat(this.server).isNotNull();
			return this.server;
		}

		private EchoClient bystander() {
			assertThat(this.bystander).isNotNull();
			return this.bystander;
		}

		private Counters before() {
			assertThat(this.before).isNotNull();
			return this.before;
		}

	}

	/** The registry's counters at one moment. */
	record Counters(long accepted, long active, long closed, long linesEchoed, long bytesReceived, long linesTooLong,
			long internalErrors, long writeTimeouts) {

		static Counters of(ConnectionRegistry registry) {
			return new Counters(registry.accepted(), registry.active(), registry.closed(), registry.linesEchoed(),
					registry.bytesReceived(), registry.linesTooLong(), registry.internalErrors(),
					registry.writeTimeouts());
		}

	}

	/** True once {@code progress} has not changed over {@code polls} polls in a row. */
	private static Callable<Boolean> stalled(LongSupplier progress, int polls) {
		long[] last = { Long.MIN_VALUE };
		int[] unchanged = { 0 };
		return () -> {
			long now = progress.getAsLong();
			unchanged[0] = (now == last[0]) ? unchanged[0] + 1 : 0;
			last[0] = now;
			return unchanged[0] >= polls;
		};
	}

	/** Awaitility polling every 10 ms from the start, for at most {@link #WAIT}. */
	private static ConditionFactory eventually() {
		return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
	}

}
