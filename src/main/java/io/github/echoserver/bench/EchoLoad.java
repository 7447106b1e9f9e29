package io.github.echoserver.bench;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

import org.jspecify.annotations.Nullable;

/**
 * Echo mode on one I/O thread: long-lived connections, each keeping {@code --pipeline} lines in
 * flight (1: a closed loop, the next line leaves when the reply has come), until the measured
 * window ends. Every reply is timed from the moment its request was queued.
 * <p>
 * With {@code --rate} the lines leave on the {@link Pacer}'s schedule instead: a line leaves when
 * its time has come and its connection owes fewer than {@code --pipeline} replies, and its reply
 * is timed from the scheduled time, so a server that holds back the next lines is not excused
 * for them (coordinated omission), and counts for the measured window if that time is in it.
 * Connections waiting for their next line's time wait in a queue ordered by that time; those
 * waiting for replies send from the reply handler.
 */
final class EchoLoad extends Load {

	private final @Nullable Pacer pacer;

	private final PriorityQueue<LoadConnection> waitingForDue = new PriorityQueue<>(
			Comparator.comparingLong((LoadConnection connection) -> connection.wakeAt));

	EchoLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, (settings.warmupSeconds() > 0) ? Phase.WARMUP : Phase.MEASURE);
		this.pacer = settings.paced() ? new Pacer(settings, schedule) : null;
	}

	@Override
	void drive() throws IOException {
		long nextCheck = 0;
		while (before(this.schedule.measureEnd())) {
			long now = System.nanoTime();
			if (now >= this.schedule.measureStart()) {
				phase(Phase.MEASURE);
			}
			startPendingConnects(now);
			if (connectsSettled()) {
				if (this.counters.open == 0) {
					break; // every connection failed or was lost: nothing more can happen
				}
				if (this.counters.allConnectedAfter < 0) {
					this.counters.allConnectedAfter = now - this.schedule.start();
				}
			}
			if (now >= nextCheck) {
				expireOverdue(now);
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			if (this.pacer == null) {
				poll(this.schedule.measureEnd(), 50);
			}
			else {
				sendDueLines(now);
				LoadConnection next = this.waitingForDue.peek();
				pollUntil((next != null) ? next.wakeAt : nextCheck, this.schedule.measureEnd(), 50);
			}
		}
		abandonConnects(System.nanoTime());
	}

	@Override
	void onConnected(LoadConnection connection, long now) {
		if (this.pacer != null) {
			this.pacer.start(connection, now);
			if (queueDueLines(connection, now)) {
				flush(connection, now);
			}
			return;
		}
		for (int i = 0; i < this.settings.pipeline(); i++) {
			connection.queueRequest(now);
		}
		flush(connection, now);
	}

	@Override
	public void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now) {
		if (matches) {
			// Paced: by its scheduled time, so a window holds no more replies than lines due in it.
			boolean measured = (this.pacer != null) ? this.schedule.inWindow(sentAt) : measured(now);
			recordReply(connection, now - sentAt, measured);
		}
		else {
			this.counters.mismatch(connection, sequence);
		}
		if (this.pacer != null) {
			// Lines held back by this reply leave now; the read that brought it flushes them.
			if (sequence >= 0) {
				queueDueLines(connection, now);
			}
			return;
		}
		// A wrong reply still answered a request: keep the pipeline full. A line nobody asked for did not.
		if (sequence >= 0 && now < this.schedule.measureEnd()) {
			connection.queueRequest(now);
		}
	}

	@Override
	boolean measured(long now) {
		return this.schedule.inWindow(now);
	}

	/** Send the lines whose time has come on the connections waiting for it. */
	private void sendDueLines(long now) {
		LoadConnection next = this.waitingForDue.peek();
		while (next != null && Pacer.mayLeave(next.wakeAt, now)) {
			this.waitingForDue.poll();
			next.waitingForDue = false;
			if (queueDueLines(next, now)) {
				flush(next, now);
			}
			next = this.waitingForDue.peek();
		}
	}

	/**
	 * Queue the connection's lines that are due, as far as the pipeline allows; then, unless it
	 * waits for a reply, have it wait for its next line's time. A due time only moves forward, so
	 * a connection already waiting keeps its place: at worst it wakes early and waits again.
	 * @return whether lines were queued (the caller flushes them)
	 */
	private boolean queueDueLines(LoadConnection connection, long now) {
		Pacer schedule = this.pacer;
		if (schedule == null || !connection.isOpen()) {
			return false;
		}
		boolean queued = false;
		while (schedule.mayTake(connection, now) && connection.owed() < this.settings.pipeline()) {
			connection.queueRequest(now, Pacer.latencyOrigin(schedule.take(connection), now));
			queued = true;
		}
		if (!connection.waitingForDue && connection.owed() < this.settings.pipeline() && schedule.hasNext(connection)) {
			connection.wakeAt = schedule.nextDue(connection);
			connection.waitingForDue = true;
			this.waitingForDue.add(connection);
		}
		return queued;
	}

}
