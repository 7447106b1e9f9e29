package io.github.echoserver.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * One client socket of the load: the requests it has queued and sent, the send time of each
 * reply it is owed, and the byte-for-byte check of the replies as their bytes arrive, split
 * across reads however the network likes. Used by one I/O thread only.
 */
final class LoadConnection {

	/** Where the socket is in its life. */
	enum State {

		/** No socket yet. */
		IDLE,

		/** Non-blocking connect in progress. */
		CONNECTING,

		/** Connected: requests and replies flow. */
		OPEN,

		/** Closed, by us or by the server. */
		CLOSED

	}

	/** Told about every complete reply line, in order. */
	interface ReplyListener {

		/**
		 * One reply line has arrived.
		 * @param connection the connection it came on
		 * @param sequence the request it answers, or -1 for a line no request was waiting for
		 * @param matches whether it is, byte for byte, the reply owed to that request
		 * @param sentAt {@link System#nanoTime()} when the request was due: when it was queued, or with
		 *     {@code --rate} its scheduled send time; -1 for a line no request was waiting for
		 * @param now when the bytes were read
		 */
		void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now);

	}

	/** Trickle mode keeps this much of what the server says: its reason for closing fits. */
	private static final int HEARD_MAX = 160;

	final int id;

	private final PayloadGenerator payloads;

	/** Requests queued but not yet written; write mode. Never overflows: at most the pipeline is owed. */
	private final ByteBuffer out;

	/** When the requests still owed a reply were queued, indexed by sequence modulo the slots: for timeouts. */
	private final long[] queuedAt;

	/** When they were due (paced: scheduled; else queued), same index: latency is measured from here. */
	private final long[] dueAt;

	/** The reply owed to request {@link #received}, regenerated when its first byte arrives. */
	private final byte[] expected;

	private @Nullable SocketChannel channel;

	private @Nullable SelectionKey key;

	/** With {@code --tls}: makes a TLS session for each connect; null in clear text. */
	private final @Nullable TlsClient tlsClient;

	/**
	 * The TLS session of the current socket, null in clear text: the one branch the clear-text
	 * path pays, so that its reads and writes stay straight on the socket, without a copy.
	 */
	private @Nullable TlsSession tls;

	private State state = State.IDLE;

	/** When the last connect started (connect mode: when the cycle started). */
	private long connectStartedAt;

	/** Requests queued, replies consumed: their difference is what the server owes. */
	private long sent;

	private long received;

	/** The sequence whose late reply has already been counted as a timeout, so it counts once. */
	private long timedOutSequence = -1;

	/** Matching replies on this connection (all phases, and the measured ones). */
	long goodReplies;

	long measuredReplies;

	/** Connect mode: when a failed or finished cycle may start again. */
	long restartAt;

	/** Connect mode with {@code --rate}: when the current cycle was scheduled to start. */
	long cycleDueAt;

	/** With {@code --rate}: the next slot of the {@link Pacer}'s schedule this connection takes. */
	long pacedSlot;

	/** Echo mode with {@code --rate}: in the queue of connections waiting for their next line's time, due then. */
	boolean waitingForDue;

	long wakeAt;

	/** Trickle mode: whether the slot ever had a connection open, when the last one opened. */
	boolean everOpened;

	long openedAt;

	/** Trickle mode: when the next byte is due, how many bytes the slot has sent. */

	long nextByteAt;

	long trickled;

	/** Trickle mode: the first bytes the server sent, to tell why it closed the connection. */
	private final byte[] heard = new byte[HEARD_MAX];

	private int heardLength;

	private boolean inLine;

	private int linePosition;

	private boolean lineMatches;

	private boolean lineOwed;

	/** Where the line just ended lies in the bytes being checked, for {@link #describeLastLine()}. */
	private byte[] lastLineBytes = new byte[0];

	private int lastLineFrom;

	private int lastLineTo;

	private boolean lastLineCut;

	LoadConnection(int id, PayloadGenerator payloads, int pipeline) {
		this(id, payloads, pipeline, null);
	}

	LoadConnection(int id, PayloadGenerator payloads, int pipeline, @Nullable TlsClient tlsClient) {
		this.id = id;
		this.tlsClient = tlsClient;
		this.payloads = payloads;
		int slots = Math.max(pipeline, 2);
		this.out = ByteBuffer.allocate(slots * payloads.requestLength());
		this.queuedAt = new long[slots];
		this.dueAt = new long[slots];
		this.expected = new byte[payloads.replyLength()];
	}

	State state() {
		return this.state;
	}

	boolean isOpen() {
		return this.state == State.OPEN;
	}

	long connectStartedAt() {
		return this.connectStartedAt;
	}

	long sent() {
		return this.sent;
	}

	long received() {
		return this.received;
	}

	/**
	 * Start a non-blocking connect; a new cycle starts from zero requests.
	 * @return whether the connection is already established (loopback may do that at once)
	 */
	boolean connect(Selector selector, InetSocketAddress address, long now) throws IOException {
		this.sent = 0;
		this.received = 0;
		this.timedOutSequence = -1;
		this.inLine = false;
		this.heardLength = 0;
		this.out.clear();
		this.connectStartedAt = now;
		SocketChannel socket = SocketChannel.open();
		this.channel = socket;
		this.state = State.CONNECTING;
		// The handshake starts once the socket is connected, with the first flush.
		this.tls = (this.tlsClient != null) ? this.tlsClient.newSession() : null;
		socket.configureBlocking(false);
		socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
		boolean connected = socket.connect(address);
		this.key = socket.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
		if (connected) {
			this.state = State.OPEN;
		}
		return connected;
	}

	/** Complete a connect the selector reported; throws what the connect failed with. */
	void finishConnect() throws IOException {
		if (requireChannel().finishConnect()) {
			this.state = State.OPEN;
			requireKey().interestOps(SelectionKey.OP_READ);
		}
	}

	/** Queue the next request; it leaves on the next {@link #flush()}. */
	void queueRequest(long now) {
		queueRequest(now, now);
	}

	/**
	 * Queue the next request, due at {@code due} (its scheduled send time, {@code now} or earlier):
	 * its reply is timed from then, its timeout from {@code now}.
	 */
	void queueRequest(long now, long due) {
		this.payloads.writeRequest(this.id, this.sent, this.out);
		int slot = (int) (this.sent % this.queuedAt.length);
		this.queuedAt[slot] = now;
		this.dueAt[slot] = due;
		this.sent++;
	}

	/** Requests sent and not yet answered. */
	long owed() {
		return this.sent - this.received;
	}

	/** Trickle mode: queue one byte, never CR or LF; it leaves on the next {@link #flush()}. */
	void queueByte(byte b) {
		this.out.put(b);
	}

	/** Trickle mode: keep the start of what the server sent, up to a line. */
	void hear(byte[] bytes, int from, int to) {
		int count = Math.min(to - from, this.heard.length - this.heardLength);
		System.arraycopy(bytes, from, this.heard, this.heardLength, count);
		this.heardLength += count;
	}

	/** Trickle mode: the first line the server sent since the connect, printable, without CR LF; empty if none. */
	String firstLineHeard() {
		int end = 0;
		while (end < this.heardLength && this.heard[end] != '\n') {
			end++;
		}
		if (end > 0 && this.heard[end - 1] == '\r') {
			end--;
		}
		return printable(this.heard, 0, end);
	}

	boolean hasOutput() {
		return this.out.position() > 0;
	}

	/**
	 * Write what is queued, as far as the socket takes it; the rest waits for OP_WRITE.
	 * @return the bytes written
	 */
	int flush() throws IOException {
		this.out.flip();
		int written = (this.tls == null) ? requireChannel().write(this.out) : this.tls.write(requireChannel(), this.out);
		this.out.compact();
		wantWrite((this.tls == null) ? hasOutput() : this.tls.hasNetOutput());
		return written;
	}

	/** OP_WRITE only while bytes wait for the socket; with TLS, requests held back by the handshake do not. */
	private void wantWrite(boolean write) throws IOException {
		int wanted = SelectionKey.OP_READ | (write ? SelectionKey.OP_WRITE : 0);
		SelectionKey selectionKey = requireKey();
		if (selectionKey.interestOps() != wanted) {
			selectionKey.interestOps(wanted);
		}
	}

	/**
	 * Read what the socket has (with TLS: the plaintext of the records it has).
	 * @return the bytes read, 0 if none, -1 at end of stream
	 */
	int read(ByteBuffer buffer) throws IOException {
		if (this.tls == null) {
			buffer.clear();
			return requireChannel().read(buffer);
		}
		int count = this.tls.read(requireChannel(), buffer);
		// Handshake messages the socket did not take at once wait for OP_WRITE.
		wantWrite(this.tls.hasNetOutput());
		return count;
	}

	/** TLS: records already read are waiting, the read buffer was full: read again without waiting. */
	boolean hasUnreadInput() {
		return this.tls != null && this.tls.hasUnreadInput();
	}

	/** TLS: the handshake has not completed yet; false in clear text. */
	boolean handshaking() {
		return this.state == State.OPEN && this.tls != null && this.tls.handshaking();
	}

	/**
	 * TLS: the protocol of a handshake that has completed since the last call, once per
	 * connect; null otherwise, and always in clear text.
	 */
	@Nullable String takeFinishedHandshake() {
		return (this.tls != null && this.tls.takeHandshakeNews()) ? this.tls.protocol() : null;
	}

	/**
	 * Check reply bytes against the replies owed, one byte at a time, so a reply split across
	 * reads is checked as it comes and no reply is ever buffered. A line ends at LF; it matches
	 * when every byte and its length are those of the owed reply. Stops when a listener closes
	 * the connection: what follows belongs to nobody.
	 */
	void accept(byte[] bytes, int from, int to, long now, ReplyListener listener) {
		int lineStart = from;
		for (int i = from; i < to && this.state != State.CLOSED; i++) {
			if (!this.inLine) {
				startLine();
				lineStart = i;
			}
			byte b = bytes[i];
			if (b == '\n') {
				this.lastLineBytes = bytes;
				this.lastLineFrom = lineStart;
				this.lastLineTo = i + 1;
				this.lastLineCut = lineStart == from && this.linePosition > i - from;
				endLine(now, listener);
			}
			else if (this.linePosition < this.expected.length - 1) {
				this.lineMatches &= this.expected[this.linePosition] == b;
				this.linePosition++;
			}
			else {
				// Longer than any right reply: stop counting, so a line without end never overflows.
				this.lineMatches = false;
			}
		}
	}

	private void startLine() {
		this.inLine = true;
		this.linePosition = 0;
		this.lineOwed = this.received < this.sent;
		this.lineMatches = this.lineOwed;
		if (this.lineOwed) {
			this.payloads.writeReply(this.id, this.received, this.expected);
		}
	}

	private void endLine(long now, ReplyListener listener) {
		this.inLine = false;
		if (!this.lineOwed) {
			listener.onReply(this, -1, false, -1, now);
			return;
		}
		boolean matches = this.lineMatches && this.linePosition == this.expected.length - 1;
		long sequence = this.received++;
		listener.onReply(this, sequence, matches, this.dueAt[(int) (sequence % this.dueAt.length)], now);
	}

	/**
	 * The line just checked and the reply that was owed, printable, for a listener that reports a
	 * mismatch; only the part of the line in the current read is known.
	 */
	String describeLastLine() {
		String got = (this.lastLineCut ? "..." : "") + printable(this.lastLineBytes, this.lastLineFrom, this.lastLineTo);
		return this.lineOwed ? "got \"" + got + "\", expected \"" + printable(this.expected, 0, this.expected.length) + "\""
				: "got \"" + got + "\" when no reply was owed";
	}

	private static String printable(byte[] bytes, int from, int to) {
		StringBuilder text = new StringBuilder();
		for (int i = from; i < to && text.length() < 120; i++) {
			int b = bytes[i] & 0xff;
			if (b == '\r') {
				text.append("\\r");
			}
			else if (b == '\n') {
				text.append("\\n");
			}
			else if (b >= 0x20 && b < 0x7f && b != '\\' && b != '"') {
				text.append((char) b);
			}
			else {
				text.append(String.format("\\x%02x", b));
			}
		}
		return text.toString();
	}

	/**
	 * Whether the oldest owed reply is later than {@code timeoutNanos}; true once per request,
	 * so a stalled connection is one timeout, not one per check.
	 */
	boolean replyOverdue(long now, long timeoutNanos) {
		if (this.state != State.OPEN || this.received >= this.sent || this.timedOutSequence == this.received) {
			return false;
		}
		if (now - this.queuedAt[(int) (this.received % this.queuedAt.length)] <= timeoutNanos) {
			return false;
		}
		this.timedOutSequence = this.received;
		return true;
	}

	/** Whether request {@code sequence} was already counted as a timeout. */
	boolean timedOut(long sequence) {
		return this.timedOutSequence == sequence;
	}

	void close() {
		if (this.key != null) {
			this.key.cancel();
		}
		if (this.tls != null && this.channel != null && this.state == State.OPEN) {
			// close_notify, as a polite client sends it: part of the cost of a TLS connection.
			this.tls.close(this.channel);
		}
		this.tls = null;
		if (this.channel != null) {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				// closing a load socket: nothing left to do with it
			}
		}
		this.channel = null;
		this.key = null;
		this.state = State.CLOSED;
	}

	private SocketChannel requireChannel() throws IOException {
		if (this.channel == null) {
			throw new IOException("connection " + this.id + " has no socket");
		}
		return this.channel;
	}

	private SelectionKey requireKey() throws IOException {
		if (this.key == null) {
			throw new IOException("connection " + this.id + " is not registered");
		}
		return this.key;
	}

}
