package io.github.echoserver.bench;

/**
 * The schedule of {@code --rate}: each connection sends its lines (connect mode: starts its
 * cycles) at a fixed interval, connections × 1 s / rate, so that all of them together make the
 * rate; connection {@code id} starts {@code id} × 1 s / rate after it opens (connect mode: after
 * the run starts), so the connections take turns instead of sending in step. A line's due time
 * never moves: one that cannot leave on time (its connection still waits for replies) leaves as
 * soon as it may, and its latency counts from the due time.
 */
final class Pacer {

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

	/** Take the next line (cycle) of the schedule: its due time. */
	long take(LoadConnection connection) {
		long due = nextDue(connection);
		connection.pacedTaken++;
		return due;
	}

}
