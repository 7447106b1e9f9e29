package io.github.echoserver.bench;

import java.util.concurrent.TimeUnit;

/**
 * The schedule of {@code --rate}: each connection sends its lines (connect mode: starts its
 * cycles) at a fixed interval, connections × 1 s / rate, so that all of them together make the
 * rate; connection {@code id} starts {@code id} × 1 s / rate after it opens (connect mode: after
 * the run starts), so the connections take turns instead of sending in step. A line's due time
 * never moves: one that cannot leave on time (its connection still waits for replies) leaves as
 * soon as it may, and its latency counts from the due time.
 * <p>
 * The selector waits in whole milliseconds, so lines due within the next millisecond leave
 * together, up to {@link #EARLY_NANOS} early: one wake-up for all of them instead of one each,
 * which on a machine shared with the server leaves it the CPU. A line that leaves early is timed
 * from when it left ({@link #latencyOrigin}), so it is never credited with time it did not wait.
 */
final class Pacer {

	/** How early a line (cycle) may leave: the selector's granularity. */
	static final long EARLY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final BenchSettings settings;

	private final double intervalNanos;

	Pacer(BenchSettings settings) {
		this.settings = settings;
		this.intervalNanos = settings.pacedIntervalNanos();
	}

	/** Start the connection's schedule from {@code origin}: its first line is due then plus its offset. */
	void start(LoadConnection connection, long origin) {
		connection.pacedStart = origin + this.settings.pacedOffsetNanos(connection.id);
		connection.pacedTaken = 0;
	}

	/** When the connection's next line (cycle) is due. */
	long nextDue(LoadConnection connection) {
		return connection.pacedStart + (long) (connection.pacedTaken * this.intervalNanos);
	}

	/** Whether a line (cycle) due at {@code due} may leave at {@code now}. */
	static boolean mayLeave(long due, long now) {
		return due - now < EARLY_NANOS;
	}

	/**
	 * Where a line's (cycle's) latency starts: its due time if it left late, when it left if it
	 * left early.
	 */
	static long latencyOrigin(long due, long sentAt) {
		return Math.min(due, sentAt);
	}

	/** Take the next line (cycle) of the schedule: its due time. */
	long take(LoadConnection connection) {
		long due = nextDue(connection);
		connection.pacedTaken++;
		return due;
	}

}
