package io.github.echoserver.bench;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Connect mode on one I/O thread: each connection slot loops connect, one line, check the
 * reply, close, until the measured window ends. A cycle is timed from the start of its connect
 * to its reply; one longer than {@code --timeout} is abandoned and counted.
 * <p>
 * With {@code --rate} each slot starts its cycles on the {@link Pacer}'s schedule instead, from
 * the start of the run: a cycle starts when its time has come and the slot's previous cycle is
 * over, and is timed from its scheduled start, so cycles the server held back count against it;
 * it counts for the measured window if that start is in it, and a cycle due at or after the
 * window's end does not start. A failed connect is a cycle too: the slot tries again at its
 * next cycle's time.
 */
final class ConnectLoad extends Load {

	/** After a failed connect, as loadgen: retrying at once would spin on a refusing port. */
	private static final long RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** Slots waiting to start their next cycle; a reply's handler must not reconnect under its own read. */
	private final ArrayDeque<LoadConnection> restarts = new ArrayDeque<>();

	private final @Nullable Pacer pacer;

	ConnectLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, (settings.warmupSeconds() > 0) ? Phase.WARMUP : Phase.MEASURE);
		this.pacer = settings.paced() ? new Pacer(settings, schedule) : null;
	}

	@Override
	void drive() throws IOException {
		long now = System.nanoTime();
		for (LoadConnection connection : this.connections) {
			if (this.pacer != null) {
				this.pacer.start(connection, this.schedule.start());
				restartAfter(connection, now, 0);
			}
			else {
				connect(connection, now);
			}
		}
		long nextCheck = 0;
		while (before(this.schedule.measureEnd())) {
			now = System.nanoTime();
			if (now >= this.schedule.measureStart()) {
				phase(Phase.MEASURE);
			}
			startDueRestarts(now);
			if (now >= nextCheck) {
				expireCycles(now);
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			if (this.pacer == null) {
				poll(this.schedule.measureEnd(), 1);
			}
			else {
				pollUntil(Math.min(nextCheck, nextRestart()), this.schedule.measureEnd(), 50);
			}
		}
	}

	@Override
	void onConnected(LoadConnection connection, long now) {
		connection.queueRequest(now);
		flush(connection, now);
	}

	@Override
	public void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now) {
		if (matches) {
			long started = (this.pacer != null)
					? Pacer.latencyOrigin(connection.cycleDueAt, connection.connectStartedAt())
					: connection.connectStartedAt();
			// Paced: by its scheduled start, so a window holds no more cycles than are due in it.
			boolean measured = (this.pacer != null) ? this.schedule.inWindow(started) : measured(now);
			recordReply(connection, now - started, measured);
		}
		else {
			this.counters.mismatch(connection, sequence);
		}
		close(connection);
		restartAfter(connection, now, 0);
	}

	@Override
	void onConnectFailed(LoadConnection connection, String why, long now) {
		super.onConnectFailed(connection, why, now);
		restartAfter(connection, now, RETRY_DELAY_NANOS);
	}

	@Override
	void onLost(LoadConnection connection, String why, long now) {
		super.onLost(connection, why, now);
		restartAfter(connection, now, 0);
	}

	@Override
	boolean measured(long now) {
		return this.schedule.inWindow(now);
	}

	private void restartAfter(LoadConnection connection, long now, long delay) {
		connection.restartAt = now + delay;
		if (this.pacer != null) {
			if (!this.pacer.hasNext(connection)) {
				return; // its next cycle is due after the window: the slot is done
			}
			// The next cycle of the schedule; paced, a failed connect waits for it instead of the retry delay.
			connection.cycleDueAt = this.pacer.take(connection);
			// A retry waits its delay beyond the millisecond a paced cycle may start early.
			long retryAt = (delay > 0) ? now + delay + Pacer.EARLY_NANOS : now;
			connection.restartAt = Math.max(retryAt, connection.cycleDueAt);
		}
		this.restarts.add(connection);
	}

	private long nextRestart() {
		long next = Long.MAX_VALUE;
		for (LoadConnection connection : this.restarts) {
			next = Math.min(next, connection.restartAt);
		}
		return next;
	}

	private void startDueRestarts(long now) {
		// One pass over the slots queued so far; a connect that fails at once queues itself behind them.
		for (int waiting = this.restarts.size(); waiting > 0; waiting--) {
			LoadConnection connection = this.restarts.pollFirst();
			if ((this.pacer != null) ? Pacer.mayLeave(connection.restartAt, now) : connection.restartAt <= now) {
				connect(connection, now);
			}
			else {
				this.restarts.addLast(connection);
			}
		}
	}

	private void expireCycles(long now) {
		long timeout = this.settings.timeoutNanos();
		for (LoadConnection connection : this.connections) {
			boolean busy = connection.state() == LoadConnection.State.CONNECTING || connection.isOpen();
			if (busy && now - connection.connectStartedAt() > timeout) {
				this.counters.timeout(connection.handshaking() ? noReplyWithin(connection)
						: "connect cycle longer than " + this.settings.timeoutSeconds() + " s");
				close(connection);
				restartAfter(connection, now, 0);
			}
		}
	}

}
