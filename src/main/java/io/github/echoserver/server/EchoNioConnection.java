package io.github.echoserver.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.pipeline.ConnectionPipeline;
import io.github.echoserver.pipeline.PipelineFactory;
import io.github.echoserver.pipeline.ReplySink;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;
import org.springframework.integration.ip.tcp.connection.TcpListener;
import org.springframework.messaging.Message;

/**
 * An NIO connection served by one {@link EventLoop}: it only reads, writes and applies
 * back-pressure; its {@link ConnectionPipeline} does the rest. A Spring Integration
 * {@code TcpConnection}: it has an id, publishes open and close events, and the outbound
 * channel adapter sends the replies through {@link #send(Message)}.
 * <p>
 * Every method but the {@link ConnectionHandle} ones and {@link #send} runs on the loop's thread;
 * those hand their work to the loop. Its work is bounded per turn: at most
 * {@link #LINES_PER_TURN} lines go through the flow before the loop serves the next connection;
 * the bytes of a read not decoded yet are kept and come first on a later pass (one 16 KiB read
 * can hold 16,384 empty lines, each a message through the flow). Writes never block: what the
 * socket does not take is kept, and until the client has read it the loop waits for the socket
 * to become writable instead of reading or decoding more (so the replies kept are bounded by
 * those to one turn's lines).
 * <p>
 * On a TLS listener it reads and writes through {@link NioTls}: records in, plaintext to the
 * pipeline; plaintext replies out, wrapped. The turns and the back-pressure are the same: what
 * is kept while the client is slow to read is already wrapped, and records read but not yet
 * unwrapped wait, as undecoded bytes do, until the plaintext before them is decoded.
 */
final class EchoNioConnection extends TcpConnectionSupport implements ConnectionHandle, ReplySink {

	/**
	 * Lines one connection gets through the flow per pass of its loop, as Netty bounds the
	 * messages per read ({@code maxMessagesPerRead}). At about a microsecond per line, a loop
	 * goes round a thousand flooding connections in a fraction of a second; an ordinary read
	 * holds fewer lines than this and is served in one turn, flushed in one write.
	 */
	static final int LINES_PER_TURN = 256;

	private final SocketChannel channel;

	private final EventLoop loop;

	private final ConnectionPipeline pipeline;

	private @Nullable SelectionKey key;

	/** Replies the socket has not taken yet; only while the client is slow to read. */
	private @Nullable ByteBuffer pending;

	private boolean closeWhenWritten;

	/** Bytes read but not decoded yet, because a turn ran out: decoded before anything newer is read. */
	private @Nullable ByteBuffer undecoded;

	/** Waiting in its loop's turns: added once, however many times its turn runs out. */
	private boolean turnScheduled;

	/** TLS, once admitted on a TLS listener; null in clear text. */
	private @Nullable NioTls tls;

	/** Refused on a TLS listener: its refusal line, in clear text, would only garble the client's handshake. */
	private boolean silent;

	EchoNioConnection(SocketChannel channel, EventLoop loop, PipelineFactory pipelines,
			@Nullable ApplicationEventPublisher publisher, String factoryName) {
		super(channel.socket(), true, false, publisher, factoryName);
		this.channel = channel;
		this.loop = loop;
		this.pipeline = pipelines.create(getConnectionId(), getHostAddress() + ":" + getPort(), this);
	}

	ConnectionPipeline pipeline() {
		return this.pipeline;
	}

	/** Spring Integration hands each connection the inbound adapter; frames go to it. */
	@Override
	public void registerListener(@Nullable TcpListener listener) {
		super.registerListener(listener);
		if (listener != null) {
			this.pipeline.setListener(listener);
		}
	}

	/**
	 * On the accepting thread, once admitted on a TLS listener, before {@link #open()}: the
	 * handshake timeout runs from now, and the client's first bytes start the handshake.
	 * @param engine a server-mode engine that has not begun its handshake
	 */
	void secure(SSLEngine engine) {
		this.tls = new NioTls(engine, this.loop, this.pipeline, this::sendNetwork);
		this.pipeline.handshakeStarted();
	}

	/**
	 * On the accepting thread, when it cannot be served (refused by admission, or its set-up
	 * failed): it ends on its loop, with the ending's line in clear text, or on a TLS listener
	 * closed without a byte (the line would be garbage to a TLS client, and a handshake would
	 * cost what a refusal saves).
	 * @param ending why
	 * @param quietly whether to close without the line
	 */
	void endUnserved(Ending ending, boolean quietly) {
		this.silent = quietly;
		end(ending);
	}

	/** On the accepting thread, once admitted: the open event, then the loop takes over. */
	void open() {
		publishConnectionOpenEvent();
		this.loop.execute(this::register);
	}

	private void register() {
		try {
			this.key = this.channel.register(this.loop.selector(), SelectionKey.OP_READ, this);
		}
		catch (ClosedChannelException ex) {
			// Closed before its loop got to it (the drain, the administrator): nothing to serve.
		}
	}

	// Read side, on the loop

	void onReadable() {
		readOnce(LINES_PER_TURN);
	}

	/**
	 * One read into the pipeline, of which at most {@code maxLines} lines are handled now;
	 * returns the bytes read, 0 when none had arrived, or -1 when reading is over.
	 */
	private int readOnce(int maxLines) {
		NioTls secured = this.tls;
		if (secured != null) {
			return readRecords(secured, maxLines);
		}
		ByteBuffer buffer = this.loop.readBuffer();
		buffer.clear();
		int n;
		try {
			n = this.channel.read(buffer);
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
			return -1;
		}
		if (n > 0) {
			int taken = this.pipeline.received(buffer.array(), 0, n, maxLines);
			if (taken < n) {
				// The loop's buffer serves the next connection: the rest is copied, at most one read.
				this.undecoded = ByteBuffer.wrap(Arrays.copyOfRange(buffer.array(), taken, n));
				endTurn();
			}
		}
		else if (n < 0) {
			this.pipeline.endOfStream();
		}
		return n;
	}

	/**
	 * One TLS read: the records it completes are unwrapped, their plaintext handed to the
	 * pipeline as a clear-text read's bytes are; returns as {@link #readOnce} does.
	 */
	private int readRecords(NioTls secured, int maxLines) {
		ByteBuffer net = secured.networkIn();
		int n;
		try {
			n = this.channel.read(net);
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
			return -1;
		}
		net.flip();
		NioTls.Inbound inbound = net.hasRemaining() ? unwrapRecords(secured, net, maxLines) : NioTls.Inbound.DRAINED;
		// With plaintext or records left for a later turn, the end of the stream is read again then.
		if (n < 0 && inbound == NioTls.Inbound.DRAINED && this.undecoded == null && this.channel.isOpen()
				&& !this.pipeline.isEnded()) {
			secured.endOfInput();
		}
		return n;
	}

	/**
	 * Every complete record of {@code net} unwrapped, and its plaintext through the pipeline, at
	 * most {@code maxLines} lines of it now; the rest, plaintext and records, kept for the next turn.
	 * @return why unwrapping stopped, or null when the connection has ended
	 */
	private NioTls.@Nullable Inbound unwrapRecords(NioTls secured, ByteBuffer net, int maxLines) {
		while (true) {
			ByteBuffer plain = secured.plainIn();
			NioTls.Inbound inbound;
			try {
				inbound = secured.unwrap(net, plain);
			}
			catch (SSLException ex) {
				secured.failed(ex);
				return null;
			}
			catch (IOException ex) {
				this.pipeline.lost(ex);
				return null;
			}
			if (inbound == NioTls.Inbound.FULL && plain.position() == 0) {
				secured.growPlainIn();
				continue;
			}
			int length = plain.position();
			int taken = (length > 0) ? this.pipeline.received(plain.array(), 0, length, maxLines) : 0;
			if (!this.channel.isOpen() || this.pipeline.isEnded()) {
				return null;
			}
			secured.keepUnread(net);
			if (taken < length) {
				this.undecoded = ByteBuffer.wrap(Arrays.copyOfRange(plain.array(), taken, length));
				endTurn();
			}
			else if (inbound == NioTls.Inbound.CLOSED) {
				this.pipeline.endOfStream();
			}
			else if (inbound == NioTls.Inbound.FULL) {
				// Bounded as a read is: the records left come on the next turn.
				endTurn();
			}
			// BLOCKED: the records left come once the socket has taken the handshake's messages.
			return inbound;
		}
	}

	/**
	 * The loop's later pass: the next lines of what was read (and on TLS, then the records
	 * left). Once none is left, reading resumes, unless replies wait for the client (then
	 * {@link #onWritable} resumes it).
	 */
	void onTurn() {
		this.turnScheduled = false;
		ByteBuffer kept = this.undecoded;
		NioTls secured = this.tls;
		boolean records = secured != null && secured.hasInput();
		if ((kept == null && !records) || this.pending != null) {
			return;
		}
		if (!this.channel.isOpen() || this.pipeline.isEnded()) {
			this.undecoded = null;
			return;
		}
		if (kept != null) {
			int taken = this.pipeline.resume(kept.array(), kept.position(), kept.remaining(), LINES_PER_TURN);
			kept.position(kept.position() + taken);
			if (kept.hasRemaining()) {
				endTurn();
				return;
			}
			this.undecoded = null;
		}
		// The lines resumed cannot add or drop records: only an ending drops them, tested here.
		if (records && this.pending == null && !this.pipeline.isEnded()) {
			ByteBuffer net = secured.networkIn();
			net.flip();
			unwrapRecords(secured, net, LINES_PER_TURN);
			if (this.undecoded != null || this.turnScheduled || !this.channel.isOpen()) {
				return;
			}
		}
		if (this.pending == null) {
			interestedIn(SelectionKey.OP_READ);
		}
	}

	/**
	 * Undecoded bytes are kept: nothing new is read meanwhile, so the order holds. The loop
	 * comes back on its next pass, or once the replies waiting now are written.
	 */
	private void endTurn() {
		if (this.pending != null) {
			return;
		}
		interestedIn(0);
		if (!this.turnScheduled) {
			this.turnScheduled = true;
			this.loop.later(this);
		}
	}

	private void interestedIn(int ops) {
		if (this.key != null && this.key.isValid()) {
			this.key.interestOps(ops);
		}
	}

	// Write side, on the loop

	@Override
	public void send(Message<?> message) {
		byte[] reply = (byte[]) message.getPayload();
		// The socket belongs to the loop: a reply from any other thread is written there. (The
		// flow's replies come on the loop itself; tested first so they cost no task object.)
		if (this.loop.inLoop()) {
			this.pipeline.reply(reply);
		}
		else {
			this.loop.execute(() -> this.pipeline.reply(reply));
		}
	}

	@Override
	public void write(byte[] bytes, int offset, int length) {
		ReplyBatch batch = this.loop.replies();
		batch.add(bytes, offset, length);
		if (batch.isFull()) {
			flush();
		}
	}

	@Override
	public void flush() {
		ReplyBatch batch = this.loop.replies();
		if (batch.isEmpty()) {
			return;
		}
		ByteBuffer bytes = batch.flip();
		IOException failure = null;
		try {
			NioTls secured = this.tls;
			if (secured != null) {
				// Before the handshake has completed only an ending's line can come: it cannot go.
				if (secured.isEstablished()) {
					secured.wrap(bytes);
				}
			}
			else if (!this.silent) {
				sendNetwork(bytes);
			}
		}
		catch (IOException ex) {
			failure = ex;
		}
		finally {
			// Cleared before the failure ends the connection, whose ending flushes again.
			batch.clear();
		}
		if (failure != null) {
			this.pipeline.lost(failure);
		}
	}

	/**
	 * Bytes for the socket, in order: written now as far as the socket takes them, the rest
	 * kept (and reading stops until the client has read it).
	 * @return whether all were written
	 */
	private boolean sendNetwork(ByteBuffer bytes) throws IOException {
		if (this.pending != null || !this.channel.isOpen()) {
			// Behind the bytes still waiting, in order; or nowhere, once closed.
			keep(bytes);
			return false;
		}
		writeSome(bytes);
		if (bytes.hasRemaining()) {
			keep(bytes);
			waitForWritable();
			return false;
		}
		return true;
	}

	/** The socket is writable again: write what was kept, then decode or read again (or close). */
	void onWritable() {
		ByteBuffer kept = this.pending;
		if (kept == null) {
			return;
		}
		try {
			writeSome(kept);
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
			return;
		}
		if (kept.hasRemaining()) {
			return;
		}
		this.pending = null;
		this.pipeline.writeBlocked(false);
		if (this.closeWhenWritten) {
			closeNow();
		}
		else if (this.undecoded != null || (this.tls != null && this.tls.hasInput())) {
			endTurn();
		}
		else {
			interestedIn(SelectionKey.OP_READ);
		}
	}

	private void writeSome(ByteBuffer bytes) throws IOException {
		while (bytes.hasRemaining() && this.channel.write(bytes) > 0) {
			// As much as the socket's send buffer takes.
		}
	}

	private void keep(ByteBuffer bytes) {
		if (!this.channel.isOpen()) {
			return;
		}
		ByteBuffer kept = this.pending;
		if (kept == null) {
			kept = ByteBuffer.allocate(bytes.remaining());
			kept.put(bytes).flip();
		}
		else {
			ByteBuffer grown = ByteBuffer.allocate(kept.remaining() + bytes.remaining());
			grown.put(kept).put(bytes).flip();
			kept = grown;
		}
		this.pending = kept;
	}

	/** Back-pressure: stop reading from this client, and decoding, until it has taken its replies. */
	private void waitForWritable() {
		this.pipeline.writeBlocked(true);
		interestedIn(SelectionKey.OP_WRITE);
	}

	@Override
	public void close(boolean afterPendingWrites) {
		if (afterPendingWrites && this.pending != null && this.channel.isOpen()) {
			this.closeWhenWritten = true;
			return;
		}
		closeNow();
	}

	private void closeNow() {
		// TLS's last words only at a record boundary: not after part of a record was written.
		boolean atBoundary = this.pending == null;
		this.pending = null;
		this.undecoded = null;
		NioTls secured = this.tls;
		if (secured != null) {
			ByteBuffer farewell = secured.close(atBoundary && this.loop.inLoop() && this.channel.isOpen());
			if (farewell != null) {
				try {
					// Once, without waiting: a client that does not read gets its close all the same.
					this.channel.write(farewell);
				}
				catch (IOException ex) {
					// Gone already: the close below is all that is left.
				}
			}
		}
		close();
	}

	/**
	 * The bytes this connection keeps now, asked on its loop: written and not taken by the
	 * socket, read and not decoded, and on TLS read and not unwrapped. Bounded by a read's worth
	 * and the replies to it, however much the client sends without reading (the back-pressure
	 * tests read it).
	 */
	CompletableFuture<Integer> keptBytes() {
		CompletableFuture<Integer> kept = new CompletableFuture<>();
		this.loop.execute(() -> {
			NioTls secured = this.tls;
			kept.complete(remaining(this.pending) + remaining(this.undecoded)
					+ ((secured != null) ? secured.unreadBytes() : 0));
		});
		return kept;
	}

	private static int remaining(@Nullable ByteBuffer buffer) {
		return (buffer != null) ? buffer.remaining() : 0;
	}

	// Spring Integration's TcpConnection

	@Override
	public void close() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// Closing: nothing more to do with a socket that fails to close.
		}
		super.close();
	}

	@Override
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	/** Frames reach the listener from the pipeline; this connection has no message to read back. */
	@Override
	public Object getPayload() {
		throw new UnsupportedOperationException("Frames are pushed to the listener by the connection pipeline");
	}

	/** The event loop reads this connection; there is no reader task to run. */
	@Override
	public void run() {
	}

	@Override
	public int getPort() {
		return this.channel.socket().getPort();
	}

	@Override
	public @Nullable Object getDeserializerStateKey() {
		return null;
	}

	@Override
	public @Nullable SSLSession getSslSession() {
		NioTls secured = this.tls;
		return (secured != null && secured.isEstablished()) ? secured.session() : null;
	}

	// The registry's, the timeouts' and the drain's handle: any thread

	@Override
	public void end(Ending ending) {
		this.loop.execute(() -> this.pipeline.end(ending));
	}

	@Override
	public void drain() {
		this.loop.execute(this::drainNow);
	}

	/**
	 * Answer what has arrived, without waiting for more and in one go (the drain is bounded by
	 * its timeout, not by turns), then end with the bye line: first what was read and not yet
	 * decoded, then what the socket holds. A client whose replies already wait is not read
	 * further: it gets the bye line after them.
	 */
	private void drainNow() {
		this.pipeline.startDrain();
		ByteBuffer kept = this.undecoded;
		if (kept != null) {
			this.undecoded = null;
			this.pipeline.resume(kept.array(), kept.position(), kept.remaining(), Integer.MAX_VALUE);
		}
		int n = 1;
		while (n > 0 && this.pending == null && this.channel.isOpen() && !this.pipeline.isEnded()) {
			n = readOnce(Integer.MAX_VALUE);
		}
		// Ended already if the client closed meanwhile (then with the bye line too).
		this.pipeline.end(Ending.SHUTTING_DOWN);
	}

}
