package io.github.echoserver.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One I/O thread's share of the load: a selector and the connections it drives, non-blocking
 * from connect to close, so one thread holds thousands of connections. The subclass of each
 * mode says what to do when a connection opens, a reply arrives or a connection is lost.
 */
abstract class Load implements Runnable, LoadConnection.ReplyListener {

	/** Connects in flight per thread, as loadgen's default: 10,000 at once overflow any backlog. */
	private static final int MAX_CONNECTING = 256;

	/** How often overdue connects and replies are looked for. */
	static final long CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	/** What the load is doing, for the progress line. */
	enum Phase {

		WARMUP("warm-up"), MEASURE("measuring"), RAMP("opening"), HOLD("holding"), FINAL_PING("final ping"),
		DONE("done");

		final String label;

		Phase(String label) {
			this.label = label;
		}

	}

	final BenchSettings settings;

	final RunSchedule schedule;

	final List<LoadConnection> connections;

	final LoadCounters counters = new LoadCounters();

	private final Selector selector;

	/** One read buffer for every connection: replies are checked as read, never kept. */
	private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

	private volatile Phase phase;

	private volatile boolean aborted;

	private int nextToConnect;

	private int connecting;

	Load(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections, Phase first)
			throws IOException {
		this.settings = settings;
		this.schedule = schedule;
		this.connections = connections;
		this.phase = first;
		this.selector = Selector.open();
	}

	@Override
	public final void run() {
		try {
			drive();
		}
		catch (ClosedSelectorException ex) {
			// aborted at the hard limit
		}
		catch (IOException | RuntimeException ex) {
			// A fault of the bench itself: report it as an error rather than die without a word.
			this.counters.error("load thread failed: " + ex);
		}
		finally {
			long outstanding = 0;
			for (LoadConnection connection : this.connections) {
				if (connection.isOpen()) {
					outstanding += connection.sent() - connection.received();
				}
				close(connection);
			}
			this.counters.outstanding = outstanding;
			try {
				this.selector.close();
			}
			catch (IOException ex) {
				// nothing registered any more
			}
			// Last: a reader that sees DONE sees every count before it.
			this.phase = Phase.DONE;
		}
	}

	/** Run this mode's phases, each bounded in time. */
	abstract void drive() throws IOException;

	/** A connect has completed. */
	abstract void onConnected(LoadConnection connection, long now);

	/** Whether bytes moved now count for the result. */
	abstract boolean measured(long now);

	/** A connect failed; the connection is closed already. */
	void onConnectFailed(LoadConnection connection, String why, long now) {
		this.counters.connectFailed++;
		this.counters.error(why);
	}

	/** The server closed the connection, or it failed, while the load still used it; closed already. */
	void onLost(LoadConnection connection, String why, long now) {
		this.counters.closedEarly++;
		this.counters.error(why);
	}

	/** Stop at the next turn of the loop: the hard limit has passed. */
	void abort() {
		this.aborted = true;
		this.selector.wakeup();
	}

	Phase phase() {
		return this.phase;
	}

	void phase(Phase next) {
		this.phase = next;
	}

	/** Whether to go on: not aborted and {@code deadline} not reached. */
	boolean before(long deadline) {
		return !this.aborted && System.nanoTime() < deadline;
	}

	/** Start connects in order, at most {@link #MAX_CONNECTING} in flight. */
	void startPendingConnects(long now) {
		while (this.nextToConnect < this.connections.size() && this.connecting < MAX_CONNECTING) {
			connect(this.connections.get(this.nextToConnect++), now);
		}
	}

	/** Whether every connection has been started and none is still connecting. */
	boolean connectsSettled() {
		return this.nextToConnect == this.connections.size() && this.connecting == 0;
	}

	void connect(LoadConnection connection, long now) {
		try {
			if (connection.connect(this.selector, this.settings.target().address(), now)) {
				connected(connection, now);
			}
			else {
				this.connecting++;
			}
		}
		catch (IOException ex) {
			connection.close();
			onConnectFailed(connection, "connect: " + ex.getMessage(), now);
		}
	}

	/** Record a matching reply that took {@code latencyNanos}. */
	void recordReply(LoadConnection connection, long latencyNanos, boolean measured) {
		connection.goodReplies++;
		if (measured) {
			connection.measuredReplies++;
		}
		this.counters.reply(latencyNanos, measured);
	}

	/** Write what the connection has queued; a failure loses the connection. */
	void flush(LoadConnection connection, long now) {
		try {
			int written = connection.flush();
			this.counters.bytesOut(written, measured(now));
			noteHandshake(connection);
		}
		catch (IOException ex) {
			lose(connection, "write: " + ex.getMessage(), now);
		}
	}

	void close(LoadConnection connection) {
		if (connection.state() == LoadConnection.State.CONNECTING) {
			this.connecting--;
		}
		else if (connection.isOpen()) {
			this.counters.open--;
		}
		connection.close();
	}

	/** Connects older than the timeout fail; replies older than it count as timeouts, once each. */
	void expireOverdue(long now) {
		long timeout = this.settings.timeoutNanos();
		for (LoadConnection connection : this.connections) {
			if (connection.state() == LoadConnection.State.CONNECTING && now - connection.connectStartedAt() > timeout) {
				close(connection);
				onConnectFailed(connection, "connect: no answer within " + this.settings.timeoutSeconds() + " s", now);
			}
			else if (connection.replyOverdue(now, timeout)) {
				this.counters.timeout(noReplyWithin(connection));
			}
		}
	}

	/** Why an owed reply is late; with TLS, a handshake that never ends means a server without TLS. */
	String noReplyWithin(LoadConnection connection) {
		return connection.handshaking()
				? "TLS handshake not done within " + this.settings.timeoutSeconds() + " s: does the server speak TLS?"
				: "no reply within " + this.settings.timeoutSeconds() + " s";
	}

	/** At the end: connects still in flight never made it. */
	void abandonConnects(long now) {
		for (LoadConnection connection : this.connections) {
			if (connection.state() == LoadConnection.State.CONNECTING) {
				close(connection);
				onConnectFailed(connection, "connect: not established before the end of the run", now);
			}
		}
	}

	/** Wait for socket events until {@code deadline}, at most {@code maxMillis}, and handle them. */
	void poll(long deadline, long maxMillis) throws IOException {
		long left = deadline - System.nanoTime();
		if (left <= 0 || this.aborted) {
			return;
		}
		// select(0) would wait for ever: wait at least 1 ms.
		long millis = Math.max(1, Math.min(maxMillis, TimeUnit.NANOSECONDS.toMillis(left)));
		this.selector.select(this::handle, millis);
	}

	/**
	 * Paced loads: wait for socket events until {@code sendBy} (the next line due) or
	 * {@code deadline}, whichever comes first, at most {@code maxMillis}, and handle them. The
	 * selector counts whole milliseconds, rounded down here so the wait never passes the due
	 * time; the caller sends what is due within {@link Pacer#EARLY_NANOS}, so the next due time
	 * is at least a millisecond away and the wait is never a busy one.
	 */
	void pollUntil(long sendBy, long deadline, long maxMillis) throws IOException {
		if (this.aborted) {
			return;
		}
		long millis = TimeUnit.NANOSECONDS.toMillis(Math.min(sendBy, deadline) - System.nanoTime());
		if (millis < 1) {
			this.selector.selectNow(this::handle);
		}
		else {
			this.selector.select(this::handle, Math.min(maxMillis, millis));
		}
	}

	/** Bytes have arrived on the connection; by default they are checked as replies. */
	void received(LoadConnection connection, byte[] bytes, int count, long now) {
		connection.accept(bytes, 0, count, now, this);
	}

	private void handle(SelectionKey key) {
		LoadConnection connection = (LoadConnection) key.attachment();
		if (key.isValid() && key.isConnectable()) {
			finishConnect(connection);
		}
		if (key.isValid() && key.isReadable()) {
			read(connection);
		}
		if (key.isValid() && key.isWritable() && connection.isOpen()) {
			flush(connection, System.nanoTime());
		}
	}

	private void finishConnect(LoadConnection connection) {
		try {
			connection.finishConnect();
			if (connection.isOpen()) {
				this.connecting--;
				connected(connection, System.nanoTime());
			}
		}
		catch (IOException ex) {
			long now = System.nanoTime();
			close(connection);
			onConnectFailed(connection, "connect: " + ex.getMessage(), now);
		}
	}

	private void connected(LoadConnection connection, long now) {
		this.counters.connectOk++;
		this.counters.open++;
		onConnected(connection, now);
	}

	private void read(LoadConnection connection) {
		boolean more = true;
		while (more) {
			int count;
			try {
				count = connection.read(this.readBuffer);
			}
			catch (IOException ex) {
				lose(connection, "read: " + ex.getMessage(), System.nanoTime());
				return;
			}
			long now = System.nanoTime();
			if (count < 0) {
				lose(connection, "closed by the server", now);
				return;
			}
			noteHandshake(connection);
			this.counters.bytesIn(count, measured(now));
			received(connection, this.readBuffer.array(), count, now);
			// The requests queued for these replies leave in one write, as loadgen does (with TLS:
			// also those held back by the handshake that has just completed).
			if (connection.isOpen() && connection.hasOutput()) {
				flush(connection, now);
			}
			more = connection.isOpen() && connection.hasUnreadInput();
		}
	}

	private void noteHandshake(LoadConnection connection) {
		String protocol = connection.takeFinishedHandshake();
		if (protocol != null) {
			this.counters.tlsHandshake(protocol);
		}
	}

	private void lose(LoadConnection connection, String why, long now) {
		close(connection);
		onLost(connection, why, now);
	}

}
