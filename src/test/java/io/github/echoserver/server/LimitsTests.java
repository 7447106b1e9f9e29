package io.github.echoserver.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static io.github.echoserver.testing.Echoes.echoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each bound of the README's Limits table ({@code echo.max-line-length}, {@code echo.max-connections},
 * {@code echo.idle-timeout}) ends or refuses only the connection that crosses it, with the
 * server line the contract names, in blocking and in NIO pooled mode.
 */
class LimitsTests {

	private static final int MAX_LINE = 64;

	private static final String LINE_TOO_LONG = "server error# line too long (max 64 bytes)\r\n";

	private static final String TOO_MANY_CONNECTIONS = "server busy# too many connections\r\n";

	private static final String IDLE_TIMEOUT = "server bye# idle timeout\r\n";

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Nested
	class PooledBlocking extends Limits {

		PooledBlocking() {
			super("blocking");
		}

	}

	@Nested
	class PooledNio extends Limits {

		PooledNio() {
			super("nio");
		}

	}

	/**
	 * The cases for one {@code echo.io}: the line and connection limits share one server (each
	 * case starts with no connection open); the idle timeout gets a server of its own.
	 */
	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class Limits {

		private final String io;

		private RunningServer server;

		Limits(String io) {
			this.io = io;
		}

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start("echo.mode=pooled", "echo.io=" + this.io,
					"echo.max-line-length=" + MAX_LINE, "echo.max-connections=3");
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		@BeforeEach
		void noConnectionOpen() {
			await().atMost(WAIT).until(() -> this.server.registry().active() == 0);
		}

		@Test
		void echoesALineOfExactlyMaxLineLengthBytes() {
			String longest = "m".repeat(MAX_LINE);
			try (EchoClient client = this.server.connect()) {
				assertEchoes(client, longest);
				client.send(longest + "\n");
				assertThat(client.readLine()).isEqualTo("server echo# " + longest);
				// The CR of a CR LF may arrive alone, one byte past the limit, and is still a terminator.
				client.send(longest + "\r");
				client.send("\n");
				assertThat(client.readLine()).isEqualTo("server echo# " + longest);
			}
		}

		@Test
		void answersALineOneByteOverTheLimitWithTheErrorAndClosesWhileAnotherClientIsServed() {
			long tooLongBefore = this.server.registry().linesTooLong();
			try (EchoClient other = this.server.connect(); EchoClient offender = this.server.connect()) {
				assertEchoes(other, "before");
				assertEchoes(offender, "fine");
				offender.send("x".repeat(MAX_LINE + 1) + "\r\n");
				assertThat(text(offender.readToEnd())).isEqualTo(LINE_TOO_LONG);
				assertEchoes(other, "after");
			}
			assertThat(this.server.registry().linesTooLong()).isEqualTo(tooLongBefore + 1);
		}

		@Test
		void answersTheLinesBeforeATooLongLineFirst() {
			try (EchoClient client = this.server.connect()) {
				client.send("one\r\ntwo\n" + "x".repeat(MAX_LINE + 1) + "\nnever\n");
				assertThat(text(client.readToEnd()))
					.isEqualTo("server echo# one\r\nserver echo# two\r\n" + LINE_TOO_LONG);
			}
		}

		@Test
		void answersALineWithoutNewlineBeyondTheLimitWithTheErrorAndCloses() {
			try (EchoClient other = this.server.connect(); EchoClient offender = this.server.connect()) {
				assertEchoes(other, "before");
				offender.send("z".repeat(MAX_LINE + 100));
				assertThat(text(offender.readToEnd())).isEqualTo(LINE_TOO_LONG);
				assertEchoes(other, "after");
			}
		}

		@Test
		void echoesAnUnterminatedLastLineOfMaxLineLengthAfterHalfClose() {
			String longest = "t".repeat(MAX_LINE);
			try (EchoClient client = this.server.connect()) {
				client.send(longest);
				client.shutdownOutput();
				assertThat(text(client.readToEnd())).isEqualTo("server echo# " + longest + "\r\n");
			}
		}

		@Test
		void answersAnUnterminatedLastLineOneByteOverTheLimitWithTheErrorAfterHalfClose() {
			try (EchoClient client = this.server.connect()) {
				client.send("u".repeat(MAX_LINE + 1));
				client.shutdownOutput();
				assertThat(text(client.readToEnd())).isEqualTo(LINE_TOO_LONG);
			}
		}

		@Test
		void refusesTheConnectionBeyondMaxConnectionsAndAdmitsANewOneWhenAnotherLeaves() {
			long refusedBefore = this.server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS);
			try (EchoClient first = this.server.connect();
					EchoClient second = this.server.connect();
					EchoClient third = this.server.connect()) {
				assertEchoes(first, "1");
				assertEchoes(second, "2");
				assertEchoes(third, "3");
				try (EchoClient fourth = this.server.connect()) {
					assertThat(text(fourth.readToEnd())).isEqualTo(TOO_MANY_CONNECTIONS);
				}
				assertThat(this.server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS))
					.isEqualTo(refusedBefore + 1);
				assertThat(this.server.registry().active()).isEqualTo(3);
				assertEchoes(first, "1 again");
				assertEchoes(second, "2 again");
				assertEchoes(third, "3 again");

				first.close();
				await().atMost(WAIT).until(() -> this.server.registry().active() == 2);
				try (EchoClient fifth = this.server.connect()) {
					assertEchoes(fifth, "5");
					assertThat(this.server.registry().active()).isEqualTo(3);
				}
			}
			assertThat(this.server.registry().rejected(RejectionReason.TOO_MANY_CONNECTIONS))
				.isEqualTo(refusedBefore + 1);
		}

		/**
		 * The idle client is told {@code server bye# idle timeout} and closed, which the server does
		 * no sooner than a second after its last byte; the busy client, connected as long and
		 * sending a line every 100 ms meanwhile, is still served. (A second rather than less: the
		 * busy client must not itself fall silent that long on a busy machine.)
		 */
		@Test
		void closesAClientIdleForIdleTimeoutButKeepsOneThatKeepsSending() throws Exception {
			try (RunningServer idleServer = RunningServer.start("echo.mode=pooled", "echo.io=" + this.io,
					"echo.idle-timeout=1s");
					EchoClient idle = idleServer.connect();
					EchoClient busy = idleServer.connect()) {
				long idleSince = System.nanoTime();
				assertEchoes(idle, "then silence");
				CompletableFuture<String> idleEnd = CompletableFuture.supplyAsync(() -> text(idle.readToEnd()));
				CompletableFuture<Duration> idleFor = idleEnd
					.thenApply((bye) -> Duration.ofNanos(System.nanoTime() - idleSince));
				// The busy client sends a line every 100 ms until the idle one has been closed.
				await().pollInSameThread()
					.pollInterval(Duration.ofMillis(100))
					.atMost(WAIT)
					.until(() -> echoes(busy, "still here") && idleEnd.isDone());
				assertThat(idleEnd.get()).isEqualTo(IDLE_TIMEOUT);
				System.out.printf("LimitsTests io=%s: the idle client was closed %d ms after its last line%n", this.io,
						idleFor.get().toMillis());
				// The server reads the wall clock in whole milliseconds: it may see a second pass a little sooner.
				assertThat(idleFor.get()).isGreaterThanOrEqualTo(Duration.ofMillis(980));
				assertEchoes(busy, "and still here");
				await().atMost(WAIT).until(() -> idleServer.registry().active() == 1);
			}
		}

	}

}
