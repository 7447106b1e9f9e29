package io.github.echoserver.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpListener;
import org.springframework.integration.ip.tcp.connection.TcpNioConnection;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;
import org.springframework.messaging.Message;

/**
 * An NIO (TcpNio) connection that frames where it reads.
 * <p>
 * The factory's select loop dispatches {@link #readPacket()} to a worker when the socket is
 * readable, and re-arms the socket only after it returns, so reads of one connection never
 * overlap. The stock connection copies the bytes into a pipe and runs a second "assembler" task
 * that blocks while a line is incomplete: a client trickling half a line would hold a worker,
 * and one shared pool deadlocks (DESIGN.md §3 point 4). Here the read, the framing, the flow
 * for each line and one write of all the replies happen in that single task, and a
 * partial line waits in the decoder, holding no thread.
 * <p>
 * Writes never block. Replies the socket does not take at once (the client is not reading)
 * are kept, and {@link NioBackPressure} makes the select loop stop reading from this client and
 * write them when the socket is writable again; a client that reads nothing for
 * {@code echo.write-timeout} is closed by the reaper. The bytes kept are bounded by the
 * replies to one read of {@value #READ_BUFFER_SIZE} bytes.
 */
final class EchoNioConnection extends TcpNioConnection implements ConnectionHandle {

	private static final int READ_BUFFER_SIZE = 16 * 1024;

	/** Workers read into their own buffer; an idle connection keeps no read buffer at all. */
	private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal
		.withInitial(() -> ByteBuffer.allocate(READ_BUFFER_SIZE));

	/** Replies of one read, written together when the read has been handled. */
	private static final ThreadLocal<ReplyBatch> REPLY_BATCH = ThreadLocal.withInitial(ReplyBatch::new);

	private static final SoftEndOfStreamException END_OF_STREAM = new SoftEndOfStreamException("Stream closed");

	private final SocketChannel channel;

	private final ConnectionSession session;

	private final SelectLoop loop;

	private final NioBackPressure backPressure;

	private final Consumer<byte[]> dispatch = this::dispatch;

	private final Lock writeLock = new ReentrantLock();

	/** Reads of one connection never overlap: the select loop's and the drain's are serialized. */
	private final Lock readLock = new ReentrantLock();

	private volatile @Nullable Executor executor;

	private volatile @Nullable Thread reader;

	private volatile boolean draining;

	private volatile boolean refused;

	/** Reading has ended; the connection closes once its pending output is written. */
	private volatile boolean ended;

	/** Replies the socket has not taken yet, ready to be written; guarded by the write lock. */
	private @Nullable ByteBuffer pending;

	private volatile boolean hasPending;

	/** Close as soon as the pending output is written; guarded by the write lock. */
	private boolean closeWhenWritten;

	private byte @Nullable [] currentFrame;

	EchoNioConnection(SocketChannel channel, boolean lookupHost, @Nullable ApplicationEventPublisher publisher,
			@Nullable String factoryName, ConnectionSession session, SelectLoop loop, NioBackPressure backPressure) {
		super(channel, true, lookupHost, publisher, factoryName);
		this.channel = channel;
		this.session = session;
		this.loop = loop;
		this.backPressure = backPressure;
	}

	ConnectionSession session() {
		return this.session;
	}

	SocketChannel channel() {
		return this.channel;
	}

	@Override
	public void setTaskExecutor(Executor taskExecutor) {
		super.setTaskExecutor(taskExecutor);
		this.executor = taskExecutor;
	}

	@Override
	public void readPacket() {
		this.readLock.lock();
		try {
			if (isOpen()) {
				readPacketLocked();
			}
		}
		finally {
			this.readLock.unlock();
		}
	}

	private void readPacketLocked() {
		if (this.refused) {
			close();
			return;
		}
		if (this.ended) {
			return;
		}
		if (this.hasPending) {
			// Only the drain gets here while replies wait: end after them, reading nothing more.
			if (this.draining) {
				end(END_OF_STREAM);
			}
			return;
		}
		Exception end = null;
		this.reader = Thread.currentThread();
		try {
			end = readAndDispatch();
		}
		catch (Exception ex) {
			end = ex;
		}
		finally {
			this.reader = null;
			flushReplies();
		}
		if (end != null) {
			end(end);
		}
	}

	/** Reading has ended: say the line for it, if any, after the replies, and close once written. */
	private void end(Exception reason) {
		this.ended = true;
		if (!isOpen()) {
			// Closed under the read (a reset while writing, the admin API, a timeout): what
			// failed afterwards is a consequence, not a fault.
			this.session.closedUnder(reason);
			return;
		}
		byte[] serverLine = this.session.lineForEnd(reason);
		if (serverLine != null) {
			writeServerLine(serverLine);
		}
		this.writeLock.lock();
		try {
			if (this.pending != null) {
				this.closeWhenWritten = true;
				return;
			}
		}
		finally {
			this.writeLock.unlock();
		}
		close();
	}

	/**
	 * One read: every complete line in it goes to the inbound adapter; returns non-null at end of stream.
	 * Once the drain has begun, it reads on until nothing more has arrived, then ends.
	 */
	private @Nullable Exception readAndDispatch() throws IOException {
		ByteBuffer buffer = READ_BUFFER.get();
		boolean drainingNow;
		int n;
		do {
			// Read once per iteration: a drain that starts after it runs a read of its own.
			drainingNow = this.draining;
			buffer.clear();
			n = this.channel.read(buffer);
			if (n < 0) {
				byte[] tail = this.session.finish();
				if (tail != null) {
					dispatch(tail);
				}
				return END_OF_STREAM;
			}
			if (n > 0) {
				this.session.decode(buffer.array(), n, this.dispatch);
			}
		}
		// The drain reads on while lines arrive, unless the client stopped taking the replies.
		while (drainingNow && n > 0 && !this.hasPending);
		return drainingNow ? END_OF_STREAM : null;
	}

	private void dispatch(byte[] frame) {
		if (!isOpen()) {
			return;
		}
		this.currentFrame = frame;
		Message<?> message = getMapper().toMessage(this);
		this.currentFrame = null;
		TcpListener listener = getListener();
		if (message != null && listener != null) {
			listener.onMessage(message);
		}
	}

	/** The frame being turned into a message by the mapper in {@link #dispatch(byte[])}. */
	@Override
	public Object getPayload() {
		return (this.currentFrame != null) ? this.currentFrame : new byte[0];
	}

	/** A reply from the flow: batched when it comes from this connection's read, else written now. */
	@Override
	public void send(Message<?> message) {
		byte[] reply = (byte[]) message.getPayload();
		if (Thread.currentThread() == this.reader) {
			ReplyBatch batch = REPLY_BATCH.get();
			batch.add(reply);
			this.session.echoed(reply.length);
			if (batch.isFull()) {
				flushReplies();
			}
		}
		else if (write(reply)) {
			this.session.echoed(reply.length);
		}
	}

	private void flushReplies() {
		ReplyBatch batch = REPLY_BATCH.get();
		if (!batch.isEmpty()) {
			write(batch.bytes(), batch.length());
			batch.clear();
		}
	}

	private void writeServerLine(byte[] serverLine) {
		if (write(serverLine)) {
			this.session.sent(serverLine.length);
		}
	}

	private boolean write(byte[] bytes) {
		return write(bytes, bytes.length);
	}

	private boolean write(byte[] bytes, int length) {
		boolean blocked = false;
		this.writeLock.lock();
		try {
			ByteBuffer kept = this.pending;
			if (kept != null) {
				// Order is kept: behind the replies still waiting.
				this.pending = append(kept, bytes, length);
				return true;
			}
			ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
			while (buffer.hasRemaining() && this.channel.write(buffer) > 0) {
				// A non-blocking write takes what fits in the socket's send buffer.
			}
			if (buffer.hasRemaining()) {
				this.pending = append(ByteBuffer.allocate(0), buffer.array(), buffer.position(), buffer.remaining());
				this.hasPending = true;
				this.session.writing();
				blocked = true;
			}
			return true;
		}
		catch (IOException ex) {
			this.session.writeFailed(ex);
			close();
			return false;
		}
		finally {
			this.writeLock.unlock();
			if (blocked) {
				this.backPressure.blocked(this);
			}
		}
	}

	/** Whether replies wait for the client to read; the select loop then does not read from it. */
	boolean hasPendingOutput() {
		return this.hasPending;
	}

	/**
	 * The select loop found the socket writable: write what is pending.
	 * @return whether everything is written and the connection should be read from again
	 */
	boolean writePending() {
		boolean closeNow = false;
		this.writeLock.lock();
		try {
			ByteBuffer kept = this.pending;
			if (kept == null) {
				return true;
			}
			while (kept.hasRemaining() && this.channel.write(kept) > 0) {
				// As much as the send buffer takes.
			}
			if (kept.hasRemaining()) {
				return false;
			}
			this.pending = null;
			this.hasPending = false;
			this.session.written();
			closeNow = this.closeWhenWritten;
			return !closeNow;
		}
		catch (IOException ex) {
			this.session.writeFailed(ex);
			closeNow = true;
			return false;
		}
		finally {
			this.writeLock.unlock();
			if (closeNow) {
				close();
			}
		}
	}

	private static ByteBuffer append(ByteBuffer kept, byte[] bytes, int length) {
		return append(kept, bytes, 0, length);
	}

	/** {@code kept} is ready to be written (position to limit); returns it with the bytes after. */
	private static ByteBuffer append(ByteBuffer kept, byte[] bytes, int offset, int length) {
		if (kept.capacity() - kept.limit() >= length) {
			int end = kept.limit();
			kept.limit(end + length);
			kept.put(end, bytes, offset, length);
			return kept;
		}
		ByteBuffer grown = ByteBuffer.allocate(Math.max(kept.remaining() * 2, kept.remaining() + length));
		grown.put(kept).put(bytes, offset, length).flip();
		return grown;
	}

	/**
	 * Close now, saying {@code serverLine} if the socket takes it: writes do not block, so no
	 * watchdog is needed. A client with replies still pending is not reading; it is just closed.
	 */
	@Override
	public void closeWith(byte[] serverLine) {
		if (!this.hasPending) {
			writeServerLine(serverLine);
		}
		close();
	}

	@Override
	public void drain(byte[] serverLine) {
		this.session.endWith(serverLine);
		this.draining = true;
		// One more read on a worker, after any read in progress: it answers what has arrived,
		// then ends with the bye line. Not shutdownInput() first: the channel would then return
		// end of stream at once, dropping lines that are in the socket's buffer, unread.
		Executor workers = this.executor;
		if (workers != null) {
			try {
				workers.execute(this::readPacket);
				return;
			}
			catch (RejectedExecutionException ex) {
				// Every worker busy and the queue full: end at the loop's next read instead.
			}
		}
		try {
			// Makes the socket readable, so the loop runs readPacket() once more (retried while
			// the workers are busy); it ends the connection with the bye line.
			this.channel.shutdownInput();
		}
		catch (IOException ex) {
			closeWith(serverLine);
		}
	}

	/**
	 * Refuse on the select loop's thread, before the socket is registered: write the busy line
	 * (a new socket's send buffer has room for it), shut both directions, and close at the
	 * loop's next pass, once the factory has registered it; closing right here would make the
	 * factory log an ERROR while registering. No worker is involved, so a burst of refused
	 * clients does not pile up open sockets behind busy workers.
	 * @param serverLine the busy line
	 */
	void refuse(byte[] serverLine) {
		this.refused = true;
		try {
			this.channel.write(ByteBuffer.wrap(serverLine));
			this.channel.shutdownOutput();
			this.channel.shutdownInput();
		}
		catch (IOException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Could not tell " + this.session.peer() + " it is refused: " + ex);
			}
		}
		this.loop.execute(this::close);
	}

	/** A growable byte array for one read's replies; one per worker thread. */
	private static final class ReplyBatch {

		private static final int FLUSH_AT = 64 * 1024;

		private byte[] bytes = new byte[4096];

		private int length;

		void add(byte[] reply) {
			if (this.length + reply.length > this.bytes.length) {
				this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.length + reply.length));
			}
			System.arraycopy(reply, 0, this.bytes, this.length, reply.length);
			this.length += reply.length;
		}

		boolean isFull() {
			return this.length >= FLUSH_AT;
		}

		boolean isEmpty() {
			return this.length == 0;
		}

		byte[] bytes() {
			return this.bytes;
		}

		int length() {
			return this.length;
		}

		void clear() {
			this.length = 0;
		}

	}

}
