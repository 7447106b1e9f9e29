package io.github.echoserver.bench;

import java.util.concurrent.TimeUnit;

/**
 * The schedule of {@code --rate}: one row of slots for the whole run, slot {@code k} due
 * ⌈k × 1 s / rate⌉ after the run starts. Connection {@code id} owns the slots {@code id},
 * {@code id + connections}, {@code id + 2 × connections}, ..., so each sends its lines (connect
 * mode: starts its cycles) at connections × 1 s / rate and the connections take turns; it joins
 * at its first slot not before it is ready (echo mode: connected). A line's due time never
 * moves: one that cannot leave on time (its connection still waits for replies) leaves as soon
 * as it may, and its latency counts from the due time.
 * <p>
 * No second holds more than rate slots: a due time is computed from the slot number alone, in
 * whole nanoseconds, so slots {@code k} and {@code k + rate} are exactly one second apart and
 * connections that join at different times stay on the same row. A slot due at or after the
 * end of the measured window is never taken, not even a millisecond early, and the loads count
 * a reply for the window by the time its latency counts from, so a run reports at most
 * rate × duration.
 * <p>
 * The selector waits in whole milliseconds, so lines due within the next millisecond leave
 * together, up to {@link #EARLY_NANOS} early: one wake-up for all of them instead of one each,
 * which on a machine shared with the server leaves it the CPU. A line that leaves early is timed
 * from when it left ({@link #latencyOrigin}), so it is never credited with time it did not wait.
 */
final class Pacer {

	/** How early a line (cycle) may leave: the selector's granularity. */
	static final long EARLY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private final int rate;

	private final int connections;

	private final long origin;

	private final long end;

	/**
	 * @param settings the rate and the number of connections sharing it
	 * @param schedule slot 0 is due at its start; no slot is taken from its measured window's end on
	 */
	Pacer(BenchSettings settings, RunSchedule schedule) {
		this.rate = settings.rate();
		this.connections = settings.connections();
		this.origin = schedule.start();
		this.end = schedule.measureEnd();
	}

	/** Start the connection's schedule at its first slot due at or after {@code notBefore}. */
	void start(LoadConnection connection, long notBefore) {
		long slot = firstSlotNotBefore(notBefore);
		// The next slot of this connection's own: the one with its id modulo the connections.
		connection.pacedSlot = slot + Math.floorMod(connection.id - slot, (long) this.connections);
	}

	/** When the connection's next line (cycle) is due. */
	long nextDue(LoadConnection connection) {
		return dueOf(connection.pacedSlot);
	}

	/** Whether the connection has a line (cycle) left: one due before the measured window ends. */
	boolean hasNext(LoadConnection connection) {
		return nextDue(connection) - this.end < 0;
	}

	/** Whether the connection's next line (cycle) may leave at {@code now}. */
	boolean mayTake(LoadConnection connection, long now) {
		return hasNext(connection) && mayLeave(nextDue(connection), now);
	}

	/** Take the next line (cycle) of the connection's schedule: its due time. */
	long take(LoadConnection connection) {
		long due = nextDue(connection);
		connection.pacedSlot += this.connections;
		return due;
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

	/** When slot {@code slot} is due: ⌈slot × 1 s / rate⌉ after the origin, in longs that cannot overflow. */
	long dueOf(long slot) {
		long seconds = slot / this.rate;
		long rest = slot % this.rate;
		return this.origin + seconds * SECOND + (rest * SECOND + this.rate - 1) / this.rate;
	}

	/** The first slot due at or after {@code time}; 0 before the origin. */
	private long firstSlotNotBefore(long time) {
		long elapsed = time - this.origin;
		if (elapsed <= 0) {
			return 0;
		}
		// A slot within one of the answer, from whole seconds and the rest; then step to it.
		long slot = (elapsed / SECOND) * this.rate + (elapsed % SECOND) * this.rate / SECOND;
		while (dueOf(slot) - time < 0) {
			slot++;
		}
		while (slot > 0 && dueOf(slot - 1) - time >= 0) {
			slot--;
		}
		return slot;
	}

}
