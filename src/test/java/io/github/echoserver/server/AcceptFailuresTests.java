package io.github.echoserver.server;

import java.io.IOException;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ErrorType;
import io.github.echoserver.testing.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link AcceptFailures} makes of a run of failed accepts, without a socket: the counter,
 * the reason the health component shows, one WARN line for a run within the warning interval,
 * and the pause doubling from 100 ms up to its 1 s cap and back to 100 ms after an accept that
 * works. (The whole path, out of descriptors in a child JVM, is {@link AcceptFailureTests}.)
 */
class AcceptFailuresTests {

	private static final IOException OUT_OF_DESCRIPTORS = new IOException("Too many open files");

	@Test
	void aRunOfFailuresIsCountedSaidOnceAndPausesLongerUpToTheCap() {
		ConnectionRegistry registry = new ConnectionRegistry(10);
		AcceptFailures failures = new AcceptFailures(registry);
		assertThat(failures.reason()).isNull();
		try (LogCapture log = LogCapture.start()) {
			// Not accepting: each pause ends at once, so the run takes far less than the 5 s
			// between WARN lines.
			long[] pauses = new long[7];
			for (int i = 0; i < pauses.length; i++) {
				pauses[i] = failures.nextPauseMillis();
				failures.failed(OUT_OF_DESCRIPTORS, 7007, () -> false);
			}
			assertThat(pauses).containsExactly(100, 200, 400, 800, 1000, 1000, 1000);
			assertThat(ErrorType.ACCEPT.count(registry)).isEqualTo(7);
			assertThat(failures.reason()).isEqualTo("cannot accept: Too many open files");
			assertThat(lines(log, Level.WARN)).singleElement()
				.asString()
				.startsWith("Cannot accept connections on port 7007: Too many open files; trying again in 100 ms");

			failures.accepted();
			assertThat(failures.reason()).isNull();
			assertThat(failures.nextPauseMillis()).isEqualTo(100);
			assertThat(lines(log, Level.INFO)).containsExactly("Accepting connections again after 7 failed accepts");
		}
	}

	@Test
	void failuresSoonAfterAWarningAreNotSaidAgainAfterAnAcceptThatWorked() {
		ConnectionRegistry registry = new ConnectionRegistry(10);
		AcceptFailures failures = new AcceptFailures(registry);
		try (LogCapture log = LogCapture.start()) {
			// Near the limit, accepts that work and accepts that fail alternate.
			for (int i = 0; i < 5; i++) {
				failures.failed(OUT_OF_DESCRIPTORS, 7007, () -> false);
				failures.accepted();
			}
			assertThat(lines(log, Level.WARN)).hasSize(1);
			assertThat(lines(log, Level.INFO)).hasSize(1);
			assertThat(ErrorType.ACCEPT.count(registry)).isEqualTo(5);
		}
	}

	private static List<String> lines(LogCapture log, Level level) {
		return log.events()
			.stream()
			.filter((event) -> event.getLoggerName().equals(AcceptFailures.class.getName()))
			.filter((event) -> event.getLevel() == level)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

}
