package io.github.echoserver.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.protocol.LineTooLongException;
import io.github.echoserver.protocol.ServerMessages;
import io.github.echoserver.protocol.TelnetInterrupt;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpListener;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;
import org.springframework.messaging.Message;

/**
 * A blocking (TcpNet) connection that frames with a {@link io.github.echoserver.protocol.FrameDecoder}.
 * <p>
 * Spring Integration's loop stays as it is: {@code run()} publishes the open event and turns
 * {@link #getPayload()} results into messages for the inbound channel adapter, whose flow sends
 * the reply back through {@link #send(Message)} on the same thread. What changes is the reading (8 KiB per
 * call instead of the stock deserializers' one byte per call, DESIGN.md §3 point 5), the
 * writing (pipelined lines decoded from one read are flushed once, after the last reply), and
 * how reading ends: with the right server line, logged at the right level.
 */
final class EchoNetConnection extends TcpNetConnection implements ConnectionHandle {

	private static final int READ_BUFFER_SIZE = 8192;

	/**
	 * How long after the drain starts a reader still in read() is taken to be waiting for bytes
	 * that are not there, and is woken with shutdownInput().
	 */
	private static final long DRAIN_WAKE_DELAY_MILLIS = 50;

	private final Socket socket;

	private final ConnectionSession session;

	/** Frames decoded but not yet handled; touched only by the reading thread. */
	private final ArrayDeque<byte[]> frames = new ArrayDeque<>();

	private final Consumer<byte[]> enqueue = this.frames::add;

	private final Lock writeLock = new ReentrantLock();

	/** Set by the first of run() and drain(); a drained waiting connection is never read. */
	private final AtomicBoolean claimed = new AtomicBoolean();

	private volatile @Nullable Thread reader;

	private volatile boolean draining;

	/** True while the reader is in a blocking read(), which only shutdownInput() can end. */
	private volatile boolean inRead;

	private byte @Nullable [] readBuffer;

	/** Kept: after shutdownInput(), socket.getInputStream() throws instead of returning end of stream. */
	private @Nullable InputStream input;

	private @Nullable OutputStream output;

	private boolean endOfStream;

	/** A line too long, or telnet's interrupt: raised once the lines before it are answered. */
	private @Nullable RuntimeException pendingEnd;

	private @Nullable TcpListener inbound;

	private @Nullable TcpListener guardedInbound;

	EchoNetConnection(Socket socket, boolean lookupHost, @Nullable ApplicationEventPublisher publisher,
			@Nullable String factoryName, ConnectionSession session) {
		super(socket, true, lookupHost, publisher, factoryName);
		this.socket = socket;
		this.session = session;
	}

	ConnectionSession session() {
		return this.session;
	}

	@Override
	public void run() {
		if (!this.claimed.compareAndSet(false, true) || !isOpen()) {
			return;
		}
		this.reader = Thread.currentThread();
		try {
			super.run();
		}
		finally {
			this.reader = null;
		}
	}

	/**
	 * The next frame: from those already decoded if any, else from the next read. A line that
	 * is too long, or telnet's interrupt, is reported only after the lines before it, so they
	 * still get their replies.
	 */
	@Override
	public Object getPayload() {
		byte[] frame = this.frames.poll();
		while (frame == null) {
			if (this.pendingEnd != null) {
				throw this.pendingEnd;
			}
			if (this.endOfStream) {
				throw new SoftEndOfStreamException("Stream closed");
			}
			frame = readFrames();
		}
		return frame;
	}

	private byte @Nullable [] readFrames() {
		byte[] buffer = readBuffer();
		int n;
		try {
			n = read(buffer);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (n < 0) {
			this.endOfStream = true;
			return this.draining ? null : this.session.finish();
		}
		try {
			this.session.decode(buffer, n, this.enqueue);
		}
		catch (LineTooLongException | TelnetInterrupt ex) {
			this.pendingEnd = ex;
		}
		return this.frames.poll();
	}

	/**
	 * One read. Once the drain has begun, only the bytes that have already arrived are read,
	 * without waiting for more: lines the client sent before the drain still get their replies.
	 * @return the number of bytes read, or -1 when reading is over
	 */
	private int read(byte[] buffer) throws IOException {
		InputStream in = this.input;
		if (in == null) {
			in = this.socket.getInputStream();
			this.input = in;
		}
		if (!this.draining) {
			this.inRead = true;
			try {
				// Checked again after inRead is set, so that the drain sees one or the other.
				if (!this.draining) {
					return in.read(buffer);
				}
			}
			finally {
				this.inRead = false;
			}
		}
		try {
			int available = in.available();
			return (available > 0) ? in.read(buffer, 0, Math.min(available, buffer.length)) : -1;
		}
		catch (IOException ex) {
			// The input was shut under us: reading is over.
			return -1;
		}
	}

	private byte[] readBuffer() {
		byte[] buffer = this.readBuffer;
		if (buffer == null) {
			buffer = new byte[READ_BUFFER_SIZE];
			this.readBuffer = buffer;
		}
		return buffer;
	}

	/**
	 * The inbound adapter, guarded: Spring Integration would log a failure while handling a line and
	 * read on, leaving the client without that reply for ever. Here the client gets
	 * {@code server error#} and this connection ends; the worker and every other connection
	 * carry on.
	 */
	@Override
	public @Nullable TcpListener getListener() {
		TcpListener listener = super.getListener();
		if (listener != null && listener != this.inbound) {
			this.inbound = listener;
			this.guardedInbound = (message) -> {
				try {
					listener.onMessage(message);
				}
				catch (RuntimeException ex) {
					failed(ex);
				}
			};
		}
		return (listener != null) ? this.guardedInbound : null;
	}

	private void failed(RuntimeException ex) {
		if (!isOpen()) {
			// Closed under this line (a reset while writing, the admin API, a timeout): the
			// outbound adapter found no connection. A consequence, not a fault.
			this.session.closedUnder(ex);
		}
		else {
			byte[] serverLine = this.session.lineForEnd(ex);
			if (serverLine != null) {
				writeServerLine(serverLine);
			}
		}
		// Nothing more is answered; the read loop ends at the next frame and closes.
		this.frames.clear();
		this.endOfStream = true;
	}

	@Override
	protected boolean handleReadException(Exception exception) {
		byte[] serverLine = this.session.lineForEnd(exception);
		if (serverLine != null) {
			writeServerLine(serverLine);
		}
		close();
		return true;
	}

	/** A reply from the flow; held back while more decoded lines wait, so a batch costs one flush. */
	@Override
	public void send(Message<?> message) {
		byte[] reply = (byte[]) message.getPayload();
		boolean moreToCome = Thread.currentThread() == this.reader && !this.frames.isEmpty();
		if (write(reply, !moreToCome)) {
			this.session.echoed(reply.length);
		}
	}

	private void writeServerLine(byte[] serverLine) {
		if (write(serverLine, true)) {
			this.session.sent(serverLine.length);
		}
	}

	private boolean write(byte[] bytes, boolean flush) {
		this.writeLock.lock();
		try {
			OutputStream out = this.output;
			if (out == null) {
				out = new BufferedOutputStream(this.socket.getOutputStream(), READ_BUFFER_SIZE);
				this.output = out;
			}
			this.session.writing();
			out.write(bytes);
			if (flush) {
				out.flush();
			}
			return true;
		}
		catch (IOException ex) {
			this.session.writeFailed(ex);
			close();
			return false;
		}
		finally {
			this.session.written();
			this.writeLock.unlock();
		}
	}

	/**
	 * Also lets go of the buffers: the TcpNet factory keeps closed connections in its map until
	 * its next accept, and an idle server would hold 16 KiB for each until a client comes.
	 */
	@Override
	public void close() {
		super.close();
		this.readBuffer = null;
		this.output = null;
	}

	@Override
	public void closeWith(byte[] serverLine) {
		CloseWatchdog.writeThenClose(() -> writeServerLine(serverLine), this::close);
	}

	@Override
	public void drain(byte[] serverLine) {
		this.session.endWith(serverLine);
		this.draining = true;
		if (this.claimed.compareAndSet(false, true)) {
			// Still waiting for a worker: nobody will read it, so say goodbye from here.
			closeWith(serverLine);
			return;
		}
		// A reader busy with lines sees the drain at its next read. A reader in read() is either
		// returning with bytes just arrived, and then reads on without waiting, or waiting for
		// bytes that are not there: only then is it woken, as shutdownInput() makes every later
		// read return end of stream, dropping bytes that have arrived but are still unread.
		CloseWatchdog.runLater(this::wakeReaderIfStillInRead, DRAIN_WAKE_DELAY_MILLIS);
	}

	private void wakeReaderIfStillInRead() {
		if (!this.inRead) {
			return;
		}
		try {
			// The reader's read() returns end of stream; it ends with the bye line.
			this.socket.shutdownInput();
		}
		catch (IOException ex) {
			// Runs on the watchdog's thread, which must not block on a write: close silently.
			close();
		}
	}

	/**
	 * Refuse before any worker has touched the connection, on the accepting thread: the send
	 * buffer of a new socket has room for one line, so this write does not block.
	 * @param serverLine the busy line
	 */
	void refuse(byte[] serverLine) {
		this.claimed.set(true);
		try {
			this.socket.getOutputStream().write(serverLine);
		}
		catch (IOException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Could not tell " + this.session.peer() + " it is refused: " + ex);
			}
		}
		close();
	}

	/** Called by the pool's rejection policy when no worker and no queue slot is free. */
	void refuseBecausePoolIsFull() {
		this.session.refusedBecausePoolIsFull();
		refuse(ServerMessages.POOL_FULL);
	}

}
