package io.github.echoserver.bench;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connect mode on one I/O thread: each connection slot loops connect, one line, check the
 * reply, close, until the measured window ends. A cycle is timed from the start of its connect
 * to its reply; one longer than {@code --timeout} is abandoned and counted.
 */
final class ConnectLoad extends Load {

	/** After a failed connect, as loadgen: retrying at once would spin on a refusing port. */
	private static final long RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** Slots waiting to start their next cycle; a reply's handler must not reconnect under its own read. */
	private final ArrayDeque<LoadConnection> restarts = new ArrayDeque<>();

	ConnectLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, (settings.warmupSeconds() > 0) ? Phase.WARMUP : Phase.MEASURE);
	}

	@Override
	void drive() throws IOException {
		long now = System.nanoTime();
		for (LoadConnection connection : this.connections) {
			connect(connection, now);
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
			poll(this.schedule.measureEnd(), 1);
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
			recordReply(connection, now - connection.connectStartedAt(), measured(now));
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
		this.restarts.add(connection);
	}

	private void startDueRestarts(long now) {
		// One pass over the slots queued so far; a connect that fails at once queues itself behind them.
		for (int waiting = this.restarts.size(); waiting > 0; waiting--) {
			LoadConnection connection = this.restarts.pollFirst();
			if (connection.restartAt <= now) {
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
				this.counters.timeout("connect cycle longer than " + this.settings.timeoutSeconds() + " s");
				close(connection);
				restartAfter(connection, now, 0);
			}
		}
	}

}
