package io.github.echoserver.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@code echo.line-timeout} cuts off a client that trickles a line without ever
 * ending it (slowloris), even though it is never silent long enough for the idle timeout, while
 * a client that keeps ending its lines is left alone, in both I/O flavours; and that with nio
 * clients in the middle of a line hold no worker while they trickle.
 */
class LineTimeoutTests {

	private static final Duration LINE_TIMEOUT = Duration.ofMillis(600);

	/**
	 * How much sooner than by this test's clock the server may see a time pass: it reads the wall
	 * clock in whole milliseconds.
	 */
	private static final Duration SERVER_CLOCK_TOLERANCE = Duration.ofMillis(20);

	/**
	 * The slow client is told {@code server bye# line timeout} and closed, no sooner than the line
	 * timeout after its line began; the idle timeout is a minute away, so nothing else can have cut
	 * it. The steady client, connected before the slow one started its line and ending a line every
	 * 100 ms since, has been open longer than the line timeout by then (the server's own clock says
	 * so: its registry entry's opening time) and is still served: the timeout counts from a line's
	 * first byte, not from the connection's.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void aLineTrickledForLongerThanTheTimeoutEndsTheConnection(String io) {
		try (RunningServer server = RunningServer.start("echo.io=" + io, "echo.line-timeout=" + LINE_TIMEOUT.toMillis() + "ms",
				"echo.idle-timeout=1m"); EchoClient slow = server.connect(); EchoClient steady = server.connect()) {
			slow.sendLine("first");
			assertThat(slow.readLine()).isEqualTo("server echo# first");
			steady.sendLine("hello");
			assertThat(steady.readLine()).isEqualTo("server echo# hello");
			Instant steadyOpenedAt = server.connectionFrom(steady.localPort()).orElseThrow().getOpenedAt();
			long start = System.nanoTime();
			AtomicInteger trickled = new AtomicInteger();
			// One byte every 100 ms, never a newline: never idle, never a whole line.
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
				try {
					slow.send("x");
					trickled.incrementAndGet();
					steady.sendLine("tick");
					assertThat(steady.readLine()).isEqualTo("server echo# tick");
				}
				catch (RuntimeException ex) {
					return true; // the server closed the slow client under us
				}
				return server.stateOf(slow).isEmpty();
			});
			Duration cutAfter = Duration.ofNanos(System.nanoTime() - start);
			System.out.printf("LineTimeoutTests io=%s: cut %d ms after the line began, %d bytes trickled%n", io,
					cutAfter.toMillis(), trickled.get());
			assertThat(cutAfter).isGreaterThanOrEqualTo(LINE_TIMEOUT.minus(SERVER_CLOCK_TOLERANCE));
			assertThat(Duration.between(steadyOpenedAt, Instant.now()))
				.isGreaterThanOrEqualTo(LINE_TIMEOUT.minus(SERVER_CLOCK_TOLERANCE));
			assertThat(slow.readLine()).isEqualTo("server bye# line timeout");
			assertThat(slow.isClosedByServer()).isTrue();
			steady.sendLine("still here");
			assertThat(steady.readLine()).isEqualTo("server echo# still here");
		}
	}

	@Test
	void withNioClientsInTheMiddleOfALineHoldNoWorker() {
		// Blocking I/O with one worker would serve the first slow client only, until its timeout.
		List<EchoClient> slow = new ArrayList<>();
		try (RunningServer server = RunningServer.start("echo.io=nio", "echo.pool.size=1")) {
			for (int i = 0; i < 200; i++) {
				slow.add(server.connect().send("half a line from " + i));
			}
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.registry().bytesReceived() >= 200 * "half a line from 1".length());
			EchoClient steady = server.connect();
			slow.add(steady);
			// Every unfinished line waits in its decoder: the one worker is free for everybody else.
			for (int i = 0; i < 50; i++) {
				steady.sendLine("tick " + i);
				assertThat(steady.readLine()).isEqualTo("server echo# tick " + i);
			}
			slow.get(7).sendLine(" ends");
			assertThat(slow.get(7).readLine()).isEqualTo("server echo# half a line from 7 ends");
			assertThat(server.registry().active()).isEqualTo(201);
		}
		finally {
			slow.forEach(EchoClient::close);
		}
	}

}
