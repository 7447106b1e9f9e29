package io.github.echoserver.bench;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Trickle mode (slowloris) on one I/O thread: every connection sends one printable byte each
 * {@code --interval}, never a line end, and listens. A server that guards against this closes
 * it, saying why first ({@code server bye# line timeout}, or {@code server bye# idle timeout}
 * when the interval is longer than the idle timeout); the close is counted under the line
 * received, timed from the connect, and the slot opens a new connection, so {@code -c} stay
 * open. Closes are what this mode expects, not errors; only connects that fail are. The run is
 * {@code --duration} seconds, with no warm-up.
 */
final class TrickleLoad extends Load {

	/** Distinct closing lines kept apart; a server saying more different things is "other". */
	static final int MAX_DISTINCT_LINES = 16;

	static final String NO_LINE = "(closed without a line)";

	static final String OTHER = "(other lines)";

	/** Slots waiting to open their next connection; never reopened from inside a read's handler. */
	private final ArrayDeque<LoadConnection> reopens = new ArrayDeque<>();

	private final long intervalNanos;

	TrickleLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, Phase.MEASURE);
		this.intervalNanos = settings.intervalNanos();
	}

	@Override
	void drive() throws IOException {
		long end = this.schedule.measureEnd();
		long nextCheck = 0;
		while (before(end)) {
			long now = System.nanoTime();
			startPendingConnects(now);
			if (connectsSettled() && this.counters.allConnectedAfter < 0) {
				this.counters.allConnectedAfter = now - this.schedule.start();
			}
			startDueReopens(now);
			if (now >= nextCheck) {
				expireOverdue(now);
				trickle(now);
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			poll(end, 10);
		}
		this.counters.openAtEnd = this.counters.open;
		// A slot that never got a connection open failed to connect; a reopen still in flight has not failed.
		long now = System.nanoTime();
		for (LoadConnection connection : this.connections) {
			if (connection.state() == LoadConnection.State.CONNECTING && !connection.everOpened) {
				close(connection);
				super.onConnectFailed(connection, "connect: not established before the end of the run", now);
			}
		}
	}

	@Override
	void onConnected(LoadConnection connection, long now) {
		connection.openedAt = now;
		connection.everOpened = true;
		connection.nextByteAt = now;
		trickle(connection, now);
	}

	/** Bytes from the server: kept, to tell why it closes; nothing is owed, nothing is checked. */
	@Override
	void received(LoadConnection connection, byte[] bytes, int count, long now) {
		connection.hear(bytes, 0, count);
	}

	@Override
	public void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now) {
		// Never called: trickle mode sends no line, so no reply is checked.
	}

	/** The server closed it (or reset it): the outcome this mode looks for. Count it and open another. */
	@Override
	void onLost(LoadConnection connection, String why, long now) {
		this.counters.closedEarly++;
		this.counters.reply(now - connection.openedAt, true);
		String line = connection.firstLineHeard();
		if (line.isEmpty()) {
			line = "closed by the server".equals(why) ? NO_LINE : "(closed without a line: " + why + ")";
		}
		this.counters.closedWith(line, MAX_DISTINCT_LINES, OTHER);
		// At once, but a slot opens at most one connection per interval: a server refusing at once is not hammered.
		reopenAt(connection, Math.max(now, connection.connectStartedAt() + this.intervalNanos));
	}

	@Override
	void onConnectFailed(LoadConnection connection, String why, long now) {
		super.onConnectFailed(connection, why, now);
		reopenAt(connection, now + this.intervalNanos);
	}

	@Override
	boolean measured(long now) {
		return true;
	}

	/** Each open connection whose time has come sends its next byte. */
	private void trickle(long now) {
		for (LoadConnection connection : this.connections) {
			if (connection.isOpen() && now >= connection.nextByteAt) {
				trickle(connection, now);
			}
		}
	}

	private void trickle(LoadConnection connection, long now) {
		// The last byte has left (a socket takes one byte at once): never queue more than one.
		if (!connection.hasOutput()) {
			connection.queueByte((byte) ('a' + connection.trickled % 26));
			connection.trickled++;
			this.counters.trickledBytes++;
			flush(connection, now);
		}
		// Bytes missed while the thread was busy are skipped, not sent in a burst.
		connection.nextByteAt += this.intervalNanos;
		if (connection.nextByteAt <= now) {
			connection.nextByteAt = now + this.intervalNanos;
		}
	}

	private void reopenAt(LoadConnection connection, long at) {
		connection.restartAt = at;
		this.reopens.add(connection);
	}

	private void startDueReopens(long now) {
		for (int waiting = this.reopens.size(); waiting > 0; waiting--) {
			LoadConnection connection = this.reopens.pollFirst();
			if (connection.restartAt <= now) {
				connect(connection, now);
			}
			else {
				this.reopens.addLast(connection);
			}
		}
	}

}
