package io.github.echoserver.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the rate limit of the refusal lines on a clock the test moves: at most one line per
 * second per rule, the first at once, then a count that, added up, gives every refusal.
 */
class RefusalLogTests {

	private static final String DENY = "from 10.0.0.0/8 (echo.access.deny)";

	private static final String NOT_ALLOWED = "not in echo.access.allow";

	private long now = TimeUnit.HOURS.toNanos(5);

	private final List<String> lines = new ArrayList<>();

	private final RefusalLog log = new RefusalLog(() -> this.now, this.lines::add, false);

	@Test
	void theFirstRefusalIsLoggedAtOnceNamingTheClientAndTheRule() {
		this.log.refused(DENY, "10.1.2.3:5555");
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:5555");
	}

	@Test
	void aFloodWithinASecondIsOneLineAndThenACount() {
		this.log.refused(DENY, "10.1.2.3:1");
		for (int i = 2; i <= 312; i++) {
			advanceMillis(3);
			this.log.refused(DENY, "10.1.2.3:" + i);
		}
		assertThat(this.lines).hasSize(1);
		this.log.flush();
		assertThat(this.lines).as("not a second yet (933 ms)").hasSize(1);
		advanceMillis(67);
		this.log.flush();
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:1",
				"Refused 311 connections from 10.0.0.0/8 (echo.access.deny) in the last 1.0 s; last from 10.1.2.3:312");
		this.log.flush();
		assertThat(this.lines).hasSize(2);
	}

	@Test
	void aSteadyFloodIsOneLinePerSecond() {
		int refusals = 0;
		for (int ms = 0; ms < 10_000; ms += 10) {
			this.log.refused(DENY, "10.1.2.3:" + ms);
			refusals++;
			advanceMillis(10);
			if (ms % 250 == 0) {
				this.log.flush();
			}
		}
		advanceMillis(1000);
		this.log.flush();
		assertThat(this.lines).hasSizeBetween(10, 11);
		assertThat(total(this.lines)).isEqualTo(refusals);
	}

	@Test
	void eachRuleHasItsOwnLimit() {
		this.log.refused(DENY, "10.1.2.3:1");
		this.log.refused(NOT_ALLOWED, "192.0.2.1:1");
		this.log.refused(DENY, "10.1.2.3:2");
		this.log.refused(NOT_ALLOWED, "192.0.2.1:2");
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:1",
				"Refused a connection not in echo.access.allow: 192.0.2.1:1");
		advanceMillis(1000);
		this.log.flush();
		assertThat(this.lines).hasSize(4)
			.contains("Refused 1 connection not in echo.access.allow in the last 1.0 s; last from 192.0.2.1:2");
	}

	@Test
	void aRefusalAfterAQuietSecondIsLoggedAtOnceAgainAndQuietRulesAreForgotten() {
		this.log.refused(DENY, "10.1.2.3:1");
		advanceMillis(1000);
		this.log.flush();
		assertThat(this.log.rules()).isZero();
		advanceMillis(5000);
		this.log.refused(DENY, "10.1.2.3:2");
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:1",
				"Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:2");
	}

	@Test
	void aRefusalASecondAfterTheLastLineWritesTheCountWithoutTheTimer() {
		this.log.refused(DENY, "10.1.2.3:1");
		advanceMillis(500);
		this.log.refused(DENY, "10.1.2.3:2");
		advanceMillis(700);
		this.log.refused(DENY, "10.1.2.3:3");
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:1",
				"Refused 2 connections from 10.0.0.0/8 (echo.access.deny) in the last 1.2 s; last from 10.1.2.3:3");
	}

	@Test
	void stoppingWritesTheCountsNotYetDue() {
		RefusalLog running = new RefusalLog(() -> this.now, this.lines::add, true);
		running.start();
		try {
			running.refused(DENY, "10.1.2.3:1");
			running.refused(DENY, "10.1.2.3:2");
		}
		finally {
			running.stop();
		}
		assertThat(running.isRunning()).isFalse();
		assertThat(this.lines).containsExactly("Refused a connection from 10.0.0.0/8 (echo.access.deny): 10.1.2.3:1",
				"Refused 1 connection from 10.0.0.0/8 (echo.access.deny) in the last 0.0 s; last from 10.1.2.3:2");
	}

	private void advanceMillis(long millis) {
		this.now += TimeUnit.MILLISECONDS.toNanos(millis);
	}

	/** The refusals the lines stand for: one per first line, the count of each later one. */
	static long total(List<String> lines) {
		return lines.stream()
			.mapToLong((line) -> line.startsWith("Refused a connection") ? 1
					: Long.parseLong(line.substring("Refused ".length(), line.indexOf(' ', "Refused ".length()))))
			.sum();
	}

}
