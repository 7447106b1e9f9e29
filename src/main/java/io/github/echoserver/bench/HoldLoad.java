package io.github.echoserver.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hold mode on one I/O thread, in three phases: open every connection and verify it with one
 * line (bounded by {@code --ramp}), keep them all idle for {@code --duration} seconds, then
 * send one more line on each connection still open and wait up to {@code --timeout} for the
 * replies. Only the final replies are timed: they show what an idle crowd costs the server.
 */
final class HoldLoad extends Load {

	HoldLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, Phase.RAMP);
	}

	@Override
	void drive() throws IOException {
		open();
		hold();
		finalPing();
	}

	private void open() throws IOException {
		long rampEnd = this.schedule.start() + TimeUnit.SECONDS.toNanos(this.settings.rampSeconds());
		long nextCheck = 0;
		while (before(rampEnd)) {
			long now = System.nanoTime();
			startPendingConnects(now);
			if (now >= nextCheck) {
				expireOverdue(now);
				if (connectsSettled() && allVerified()) {
					break;
				}
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			poll(rampEnd, 10);
		}
		long now = System.nanoTime();
		abandonConnects(now);
		this.counters.allConnectedAfter = now - this.schedule.start();
	}

	/** Every open connection has its first reply, or has been counted as a timeout. */
	private boolean allVerified() {
		for (LoadConnection connection : this.connections) {
			if (connection.isOpen() && connection.received() == 0 && !connection.timedOut(0)) {
				return false;
			}
		}
		return true;
	}

	private void hold() throws IOException {
		phase(Phase.HOLD);
		long holdEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(this.settings.durationSeconds());
		while (before(holdEnd)) {
			poll(holdEnd, 100);
		}
		this.counters.heldOpen = this.connections.stream().filter(LoadConnection::isOpen).count();
	}

	private void finalPing() throws IOException {
		phase(Phase.FINAL_PING);
		long now = System.nanoTime();
		for (LoadConnection connection : this.connections) {
			if (connection.isOpen()) {
				connection.queueRequest(now);
				flush(connection, now);
			}
		}
		long finalEnd = now + this.settings.timeoutNanos();
		long nextCheck = 0;
		while (before(finalEnd)) {
			now = System.nanoTime();
			if (now >= nextCheck) {
				if (this.connections.stream().noneMatch(this::owed)) {
					break;
				}
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			poll(finalEnd, 10);
		}
		for (LoadConnection connection : this.connections) {
			if (owed(connection)) {
				this.counters.timeout("no final reply within " + this.settings.timeoutSeconds() + " s");
			}
		}
	}

	private boolean owed(LoadConnection connection) {
		return connection.isOpen() && connection.received() < connection.sent();
	}

	@Override
	void onConnected(LoadConnection connection, long now) {
		connection.queueRequest(now);
		flush(connection, now);
	}

	@Override
	public void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now) {
		if (!matches) {
			this.counters.mismatch(connection, sequence);
			return;
		}
		boolean last = phase() == Phase.FINAL_PING && sequence == connection.sent() - 1;
		recordReply(connection, now - sentAt, last);
		if (sequence == 0) {
			this.counters.answeredInitial++;
		}
		if (last) {
			this.counters.answeredFinal++;
		}
	}

	@Override
	void onLost(LoadConnection connection, String why, long now) {
		super.onLost(connection, why, now);
		if (phase() == Phase.HOLD) {
			this.counters.closedDuringHold++;
		}
	}

	@Override
	boolean measured(long now) {
		// Bytes of every phase count: the run is the hold, not a window in it.
		return true;
	}

}
