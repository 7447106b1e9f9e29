package io.github.echoserver.process;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When a dead worker (or standby) is started again: at once after a first death within
 * {@link #DEATH_WINDOW}, then after a back-off that doubles with each further death, and not at
 * all after {@link #MAX_DEATHS} deaths within the window. One per slot; only the supervisor's
 * thread uses it.
 */
final class RestartPolicy {

	/** Deaths within this window count towards giving a worker up. */
	static final Duration DEATH_WINDOW = Duration.ofSeconds(60);

	/** The deaths within {@link #DEATH_WINDOW} after which a worker is not restarted again. */
	static final int MAX_DEATHS = 5;

	/** The back-off after the second death in the window; it doubles with each further one (the first restart is at once). */
	static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

	private final Deque<Instant> deaths = new ArrayDeque<>();

	/**
	 * Count a death.
	 * @return the deaths within the window, this one included
	 */
	int died() {
		Instant now = Instant.now();
		this.deaths.addLast(now);
		while (!this.deaths.isEmpty() && this.deaths.peekFirst().isBefore(now.minus(DEATH_WINDOW))) {
			this.deaths.removeFirst();
		}
		return this.deaths.size();
	}

	/** Whether {@code deaths} within the window are too many to start again. */
	static boolean givesUp(int deaths) {
		return deaths >= MAX_DEATHS;
	}

	/** At once after a first death in the window, then 200 ms, doubling: 400 ms, 800 ms... */
	static Duration backoff(int deaths) {
		return (deaths <= 1) ? Duration.ZERO : FIRST_BACKOFF.multipliedBy(1L << Math.min(deaths - 2, 10));
	}

}
