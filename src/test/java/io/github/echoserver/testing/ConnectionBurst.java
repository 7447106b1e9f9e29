package io.github.echoserver.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The clients of a burst of connection attempts: non-blocking connects and reads on one
 * selector, in the calling thread, so that thousands of connections cost no thread; each
 * connection the server ends is counted by what it read first.
 */
public final class ConnectionBurst implements AutoCloseable {

	private final InetSocketAddress server;

	private final int openAtOnce;

	private final byte[] refusal;

	private final Selector selector;

	private int started;

	private int connecting;

	private int open;

	private int ended;

	private int refused;

	private int closedSilently;

	private int reset;

	private int otherReplies;

	private String firstOtherReply = "";

	private int connectFailures;

	private int peakFds;

	private int peakServerSockets;

	private final Durations refusalToClose = new Durations();

	private final Durations connectToClose = new Durations();

	/**
	 * @param port the server's port on 127.0.0.1
	 * @param openAtOnce connections kept open at once: a new one is opened whenever one has ended
	 * @param refusal what the server sends a connection it refuses, before it closes it
	 */
	public ConnectionBurst(int port, int openAtOnce, byte[] refusal) throws IOException {
		this.server = new InetSocketAddress("127.0.0.1", port);
		this.openAtOnce = openAtOnce;
		this.refusal = refusal.clone();
		this.selector = Selector.open();
	}

	/**
	 * Connect {@code attempts} times, keeping at most {@code openAtOnce} open, until
	 * {@code refusals} connections have ended. A connect that fails never reached the server
	 * and is made again (counted in {@link #connectFailures()}).
	 */
	public void run(int attempts, int refusals, Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextSample = System.nanoTime();
		while (this.started < attempts || this.connecting > 0 || this.ended < refusals) {
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError("Burst not over after " + timeout + ": started " + this.started
						+ ", connecting " + this.connecting + ", open " + this.open + ", ended " + this.ended);
			}
			while (this.started < attempts && this.open < this.openAtOnce) {
				connect();
			}
			if (System.nanoTime() - nextSample > 0) {
				this.peakFds = Math.max(this.peakFds, ProcessProbe.openFds());
				this.peakServerSockets = Math.max(this.peakServerSockets, ProcessProbe.serverSockets(this.server.getPort()));
				nextSample = System.nanoTime() + 200_000_000L;
			}
			this.selector.select(100);
			for (SelectionKey key : this.selector.selectedKeys()) {
				if (key.isConnectable()) {
					finishConnect(key);
				}
				else if (key.isReadable()) {
					read(key);
				}
			}
			this.selector.selectedKeys().clear();
		}
	}

	private void connect() throws IOException {
		SocketChannel channel = SocketChannel.open();
		channel.configureBlocking(false);
		Attempt attempt = new Attempt();
		try {
			if (channel.connect(this.server)) {
				attempt.connectedNanos = System.nanoTime();
				channel.register(this.selector, SelectionKey.OP_READ, attempt);
			}
			else {
				channel.register(this.selector, SelectionKey.OP_CONNECT, attempt);
				this.connecting++;
			}
			this.started++;
			this.open++;
		}
		catch (IOException ex) {
			channel.close();
			connectFailed(ex);
		}
	}

	private void finishConnect(SelectionKey key) throws IOException {
		SocketChannel channel = (SocketChannel) key.channel();
		this.connecting--;
		try {
			channel.finishConnect();
			((Attempt) key.attachment()).connectedNanos = System.nanoTime();
			key.interestOps(SelectionKey.OP_READ);
		}
		catch (IOException ex) {
			channel.close();
			this.open--;
			this.started--;
			connectFailed(ex);
		}
	}

	private void connectFailed(IOException ex) {
		this.connectFailures++;
		if (this.connectFailures > 1000) {
			throw new AssertionError("More than 1000 connects failed, the last with " + ex, ex);
		}
	}

	/** Read what the server sent; at its end, classify the connection. */
	private void read(SelectionKey key) throws IOException {
		SocketChannel channel = (SocketChannel) key.channel();
		Attempt attempt = (Attempt) key.attachment();
		int n;
		try {
			do {
				n = channel.read(attempt.received);
				if (n > 0 && attempt.lineNanos == 0 && endsWithNewline(attempt.received)) {
					attempt.lineNanos = System.nanoTime();
				}
			}
			while (n > 0 && attempt.received.hasRemaining());
		}
		catch (IOException ex) {
			this.reset++;
			end(channel);
			return;
		}
		if (!attempt.received.hasRemaining()) {
			otherReply(attempt);
			end(channel);
		}
		else if (n < 0) {
			long now = System.nanoTime();
			byte[] bytes = Arrays.copyOf(attempt.received.array(), attempt.received.position());
			if (bytes.length == 0) {
				this.closedSilently++;
			}
			else if (Arrays.equals(bytes, this.refusal)) {
				this.refused++;
				this.refusalToClose.add(now - attempt.lineNanos);
				this.connectToClose.add(now - attempt.connectedNanos);
			}
			else {
				otherReply(attempt);
			}
			end(channel);
		}
	}

	private void otherReply(Attempt attempt) {
		if (this.otherReplies++ == 0) {
			this.firstOtherReply = new String(attempt.received.array(), 0, attempt.received.position(),
					StandardCharsets.UTF_8);
		}
	}

	private void end(SocketChannel channel) throws IOException {
		channel.close();
		this.open--;
		this.ended++;
	}

	private static boolean endsWithNewline(ByteBuffer buffer) {
		return buffer.position() > 0 && buffer.get(buffer.position() - 1) == '\n';
	}

	/**
	 * Send one line on every connection still open and read its echo.
	 * @return how many answered with exactly their echo
	 */
	public int echoOnOpenConnections(Duration timeout) throws IOException {
		int lines = 0;
		for (SelectionKey key : this.selector.keys()) {
			if (!key.isValid()) {
				continue;
			}
			Attempt attempt = (Attempt) key.attachment();
			if (attempt.received.position() > 0) {
				// Sent something already, yet not closed: counted as not served.
				continue;
			}
			String line = "held " + lines++;
			attempt.expected = (Echoes.PREFIX + line + "\r\n").getBytes(StandardCharsets.UTF_8);
			ByteBuffer request = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
			((SocketChannel) key.channel()).write(request);
			assertThat(request.hasRemaining()).as("a short line fits in a new socket's send buffer").isFalse();
		}
		int answered = 0;
		int pending = lines;
		long deadline = System.nanoTime() + timeout.toNanos();
		while (pending > 0 && System.nanoTime() - deadline < 0) {
			this.selector.select(100);
			for (SelectionKey key : this.selector.selectedKeys()) {
				Attempt attempt = (Attempt) key.attachment();
				SocketChannel channel = (SocketChannel) key.channel();
				int n;
				try {
					n = channel.read(attempt.received);
				}
				catch (IOException ex) {
					n = -1;
				}
				if (attempt.received.position() >= attempt.expected.length || n < 0) {
					if (Arrays.equals(Arrays.copyOf(attempt.received.array(), attempt.received.position()),
							attempt.expected)) {
						answered++;
					}
					key.interestOps(0);
					pending--;
				}
			}
			this.selector.selectedKeys().clear();
		}
		return answered;
	}

	/** Connections that got through, each once. */
	public int started() {
		return this.started;
	}

	/** Connections that read exactly the refusal, then the end of the stream. */
	public int refused() {
		return this.refused;
	}

	/** Connections closed by the server without a byte. */
	public int closedSilently() {
		return this.closedSilently;
	}

	/** Connections reset by the server. */
	public int reset() {
		return this.reset;
	}

	/** Connections that read anything but the refusal, or more than it. */
	public int otherReplies() {
		return this.otherReplies;
	}

	/** What the first of {@link #otherReplies()} read. */
	public String firstOtherReply() {
		return this.firstOtherReply;
	}

	/** Connects that failed and were made again: they never reached the server. */
	public int connectFailures() {
		return this.connectFailures;
	}

	/** The most file descriptors this process held during the burst (sampled every 200 ms). */
	public int peakFds() {
		return this.peakFds;
	}

	/** The most server sockets in a TCP conversation during the burst (sampled every 200 ms). */
	public int peakServerSockets() {
		return this.peakServerSockets;
	}

	/** The counts and how long refused connections took, for the test's output. */
	@Override
	public String toString() {
		return String.format("%d connect failures retried, peak fds %d, peak server sockets in a conversation %d; "
				+ "refused %d (refusal then close), closed without it %d, reset %d, other replies %d; "
				+ "connect->close ms %s; refusal->close µs %s", this.connectFailures, this.peakFds,
				this.peakServerSockets, this.refused, this.closedSilently, this.reset, this.otherReplies,
				this.connectToClose.summary(1_000_000), this.refusalToClose.summary(1_000));
	}

	@Override
	public void close() throws IOException {
		for (SelectionKey key : this.selector.keys()) {
			key.channel().close();
		}
		this.selector.close();
	}

	/** Durations in nanoseconds, for a summary. */
	private static final class Durations {

		private long[] values = new long[1024];

		private int count;

		void add(long nanos) {
			if (this.count == this.values.length) {
				this.values = Arrays.copyOf(this.values, this.count * 2);
			}
			this.values[this.count++] = nanos;
		}

		String summary(long unitNanos) {
			if (this.count == 0) {
				return "none";
			}
			long[] sorted = Arrays.copyOf(this.values, this.count);
			Arrays.sort(sorted);
			return String.format("p50 %d p99 %d max %d (n=%d)", sorted[this.count / 2] / unitNanos,
					sorted[(int) (this.count * 0.99)] / unitNanos, sorted[this.count - 1] / unitNanos, this.count);
		}

	}

	/** One connection attempt of the burst: when it connected, and what the server has sent. */
	private static final class Attempt {

		final ByteBuffer received = ByteBuffer.allocate(128);

		long connectedNanos;

		long lineNanos;

		byte[] expected;

	}

}
