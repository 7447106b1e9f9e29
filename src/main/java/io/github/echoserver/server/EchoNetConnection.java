package io.github.echoserver.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.TlsDetails;
import io.github.echoserver.pipeline.ConnectionPipeline;
import io.github.echoserver.pipeline.PipelineFactory;
import io.github.echoserver.pipeline.ReplySink;
import io.github.echoserver.tls.ServerTls;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpListener;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.messaging.Message;

/**
 * A blocking (TcpNet) connection: a worker runs {@link #run()}, which publishes the open event
 * and then reads, 8 KiB at a time, into the {@link ConnectionPipeline}; the pipeline does the
 * rest. Replies come back through {@link #send(Message)} on the same thread and are flushed once
 * per read. The stock connection reads one byte per call (docs/architecture.md, Spring
 * Integration point 5) and turns each frame into a message through the mapper; here the
 * pipeline pushes frames to the listener.
 * <p>
 * What is particular to blocking sockets lives here: a connection may wait for a worker (the
 * drain then answers what it sent, on a thread of its own), a reader may sit in {@code read()}
 * (the drain wakes it), and a write may block on a client that does not read, holding the write
 * lock (writes on behalf of other threads run apart and are bounded by {@link CloseWatchdog};
 * an ending that finds the lock taken closes the socket under the blocked write instead of
 * waiting for it).
 * <p>
 * With TLS the worker first layers an {@link SSLSocket} over the accepted socket and completes
 * the handshake (on the worker, not the accepting thread: it costs CPU and may wait for the
 * client, bounded by {@code echo.ssl.handshake-timeout}); reads and writes then go through the
 * TLS socket. A close says {@code close_notify} when no write is under way, then closes the plain
 * socket under the TLS one, which no TLS lock can hold up. Nothing is written before the
 * handshake has completed: a {@code server ...#} line in clear text would be garbage to a TLS
 * client, so a refusal or an ending during the handshake closes without a word.
 */
final class EchoNetConnection extends TcpNetConnection implements ConnectionHandle, ReplySink {

	private static final int BUFFER_SIZE = 8192;

	/**
	 * How long after the drain starts a reader still in read() is taken to be waiting for bytes
	 * that are not there, and is woken with shutdownInput().
	 */
	private static final long DRAIN_WAKE_DELAY_MILLIS = 50;

	/** The socket as accepted; with TLS, the plain socket under {@link #tlsSocket}. */
	private final Socket socket;

	/** TLS for this connection, or null for clear text. */
	private final @Nullable ServerTls tls;

	private final ConnectionPipeline pipeline;

	private final Lock writeLock = new ReentrantLock();

	/** Set by the first of run(), the drain and a refusal: a claimed connection is never run again. */
	private final AtomicBoolean claimed = new AtomicBoolean();

	private volatile boolean draining;

	/** True while the reader is in a blocking read(), which only shutdownInput() can end. */
	private volatile boolean inRead;

	/** Kept: after shutdownInput(), socket.getInputStream() throws instead of returning end of stream. */
	private @Nullable InputStream input;

	/** Guarded by the write lock. */
	private @Nullable OutputStream output;

	/**
	 * Set by an ending that found a write under way: the socket is being closed under it, and no
	 * later write may wait for the lock that write holds.
	 */
	private volatile boolean writesDropped;

	/**
	 * With TLS, the layer the worker put over the socket, set once its handshake has completed:
	 * only then may anything be written, and reads and writes go through it.
	 */
	private volatile @Nullable SSLSocket tlsSocket;

	EchoNetConnection(Socket socket, @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName,
			PipelineFactory pipelines, @Nullable ServerTls tls) {
		super(socket, true, false, publisher, factoryName);
		this.socket = socket;
		this.tls = tls;
		this.pipeline = pipelines.create(getConnectionId(), getHostAddress() + ":" + getPort(), this);
	}

	ConnectionPipeline pipeline() {
		return this.pipeline;
	}

	@Override
	public void registerListener(@Nullable TcpListener listener) {
		super.registerListener(listener);
		if (listener != null) {
			this.pipeline.setListener(listener);
		}
	}

	// Read side, on the worker

	@Override
	public void run() {
		if (!this.claimed.compareAndSet(false, true) || !isOpen()) {
			return;
		}
		publishConnectionOpenEvent();
		ServerTls serverTls = this.tls;
		if (serverTls != null && !handshake(serverTls)) {
			return;
		}
		byte[] buffer = new byte[BUFFER_SIZE];
		try {
			while (!this.pipeline.isEnded()) {
				int n = read(buffer);
				if (n < 0) {
					this.pipeline.endOfStream();
				}
				else {
					this.pipeline.received(buffer, 0, n);
				}
			}
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
		}
	}

	/**
	 * The TLS handshake, with {@code echo.ssl.handshake-timeout} running. A handshake that fails
	 * is one WARN line with the engine's reason and a count; one that a close ended (the timeout,
	 * the drain, the administrator) has been logged and counted by that ending already. A client
	 * that leaves before its first byte (a TCP health check) has not tried TLS: it closed, as in
	 * clear text.
	 * @return whether the connection is now served
	 */
	private boolean handshake(ServerTls serverTls) {
		this.pipeline.handshakeStarted();
		try {
			int first = this.socket.getInputStream().read();
			if (first < 0) {
				this.pipeline.endOfStream();
				return false;
			}
			SSLSocket layered = serverTls.layer(this.socket, new byte[] { (byte) first });
			layered.startHandshake();
			if (this.pipeline.isEnded()) {
				return false;
			}
			this.tlsSocket = layered;
			this.pipeline.handshakeCompleted(TlsDetails.of(layered.getSession()));
			return true;
		}
		catch (IOException ex) {
			if (this.pipeline.isEnded()) {
				// The socket was closed under the handshake by an ending that has been counted.
				return false;
			}
			if (ex instanceof SSLException) {
				this.pipeline.handshakeFailed(reason(ex));
			}
			else {
				// Reset by the client: lost, as in clear text.
				this.pipeline.lost(ex);
			}
			return false;
		}
	}

	/** The engine's own words, e.g. {@code Unsupported or unrecognized SSL message}. */
	private static String reason(IOException ex) {
		return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

	/**
	 * One read. Once the drain has begun, only the bytes that have already arrived are read,
	 * without waiting for more: lines the client sent before the drain still get their replies.
	 * @return the number of bytes read, or -1 when reading is over
	 */
	private int read(byte[] buffer) throws IOException {
		InputStream in = input();
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
		return readArrived(in, buffer);
	}

	private int readArrived(InputStream in, byte[] buffer) {
		try {
			int available = in.available();
			if (available == 0 && this.tlsSocket != null && this.socket.getInputStream().available() > 0) {
				// A TLS stream counts only what it has decrypted; encrypted bytes have arrived, and
				// one read decrypts a record of them (waiting for the rest of a record cut in two,
				// which the shutdown timeout bounds).
				return in.read(buffer);
			}
			return (available > 0) ? in.read(buffer, 0, Math.min(available, buffer.length)) : -1;
		}
		catch (IOException ex) {
			// The input was shut under us: reading is over.
			return -1;
		}
	}

	private InputStream input() throws IOException {
		InputStream in = this.input;
		if (in == null) {
			SSLSocket layered = this.tlsSocket;
			in = (layered != null) ? layered.getInputStream() : this.socket.getInputStream();
			this.input = in;
		}
		return in;
	}

	// Write side

	/** A reply from the outbound channel adapter. */
	@Override
	public void send(Message<?> message) {
		this.pipeline.reply((byte[]) message.getPayload());
	}

	/**
	 * Buffered; a write that fills the buffer reaches the socket and may block on a client that
	 * does not read, so it is watched by the write timeout like a flush.
	 */
	@Override
	public void write(byte[] bytes, int offset, int length) {
		if (this.writesDropped) {
			return;
		}
		this.writeLock.lock();
		try {
			OutputStream out = output();
			if (out == null) {
				return;
			}
			this.pipeline.writeBlocked(true);
			out.write(bytes, offset, length);
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
		}
		finally {
			this.pipeline.writeBlocked(false);
			this.writeLock.unlock();
		}
	}

	@Override
	public void flush() {
		if (this.writesDropped) {
			return;
		}
		this.writeLock.lock();
		try {
			OutputStream out = this.output;
			if (out != null && !this.socket.isClosed()) {
				this.pipeline.writeBlocked(true);
				out.flush();
			}
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
		}
		finally {
			this.pipeline.writeBlocked(false);
			this.writeLock.unlock();
		}
	}

	/** The buffered output, or null on a TLS connection not yet handshaken: nothing may be said yet. */
	private @Nullable OutputStream output() throws IOException {
		OutputStream out = this.output;
		if (out == null) {
			OutputStream raw;
			if (this.tls == null) {
				raw = this.socket.getOutputStream();
			}
			else {
				SSLSocket layered = this.tlsSocket;
				if (layered == null) {
					return null;
				}
				raw = layered.getOutputStream();
			}
			out = new BufferedOutputStream(raw, BUFFER_SIZE);
			this.output = out;
		}
		return out;
	}

	/** Writes are synchronous: by now everything flushed has been written or has failed. */
	@Override
	public void close(boolean afterPendingWrites) {
		close();
	}

	/**
	 * Also lets go of the buffered streams: the TcpNet factory keeps closed connections in its
	 * map until its next sweep.
	 */
	@Override
	public void close() {
		sayCloseNotify();
		super.close();
		this.input = null;
		this.output = null;
	}

	/**
	 * TLS: {@code close_notify} and the end of our side, so that the client reads a clean end of
	 * stream, not a truncation. Not {@code SSLSocket.close()}: that waits for the TLS socket's
	 * read lock, which a reader blocked in {@code read()} holds for as long as its client sends
	 * nothing, and for its record lock, which a blocked write holds. Only when no write is under
	 * way (so not from an ending that closes under a blocked write); the alert itself is a write,
	 * watched by the write timeout like any other. The plain socket is closed right after.
	 */
	private void sayCloseNotify() {
		SSLSocket layered = this.tlsSocket;
		if (layered == null || this.writesDropped || !this.writeLock.tryLock()) {
			return;
		}
		try {
			this.pipeline.writeBlocked(true);
			layered.shutdownOutput();
		}
		catch (IOException ex) {
			// The client has gone: the close goes on.
		}
		finally {
			this.pipeline.writeBlocked(false);
			this.writeLock.unlock();
		}
	}

	/** The TLS session once handshaken (Spring Integration's accessor; the stock one asks the plain socket). */
	@Override
	public @Nullable SSLSession getSslSession() {
		SSLSocket layered = this.tlsSocket;
		return (layered != null) ? layered.getSession() : null;
	}

	/** Frames reach the listener from the pipeline; this connection has no message to read back. */
	@Override
	public Object getPayload() {
		throw new UnsupportedOperationException("Frames are pushed to the listener by the connection pipeline");
	}

	// The registry's, the timeouts' and the drain's handle: any thread

	/**
	 * Said from another thread, so it never waits for this client: the reaper and the drain end
	 * many connections in one pass. When a write is under way (the reader's, perhaps blocked on a
	 * client that does not read), an ending that does not keep the replies has its line only if
	 * the socket takes it now, which it does not: it is logged and counted at once and the socket
	 * is closed under the write, which fails and frees the reader. Otherwise the line is written
	 * on a thread of its own, bounded by the watchdog.
	 */
	@Override
	public void end(Ending ending) {
		this.claimed.set(true);
		if (!ending.repliesFirst() && isWriteUnderWay()) {
			this.writesDropped = true;
			// Writes nothing now; an ending that does not keep the replies always closes.
			this.pipeline.end(ending);
		}
		else {
			CloseWatchdog.writeThenCloseApart(() -> this.pipeline.end(ending), this::close);
		}
	}

	private boolean isWriteUnderWay() {
		if (!this.writeLock.tryLock()) {
			return true;
		}
		this.writeLock.unlock();
		return false;
	}

	/**
	 * An ending before the connection is handed to a worker, on the accepting thread or by the
	 * pool's rejection policy: a refusal, or a setup that failed. Said at once, not apart as
	 * {@link #end} does, because whoever refuses closes the socket right after (Spring
	 * Integration's accept loop does, after a failed setup). The socket is new, its send buffer
	 * empty: the line cannot block.
	 */
	void endBeforeServing(Ending ending) {
		this.claimed.set(true);
		this.pipeline.end(ending);
	}

	@Override
	public void drain() {
		this.pipeline.startDrain();
		this.draining = true;
		if (this.claimed.compareAndSet(false, true)) {
			// Still waiting for a worker: nobody will read it, so answer what it sent, apart: the
			// client may not read its replies, and the drain does not wait for any one client.
			CloseWatchdog.writeThenCloseApart(this::answerWhatHasArrived, this::close);
			return;
		}
		// A reader busy with lines sees the drain at its next read. A reader in read() is either
		// returning with bytes just arrived, and then reads on without waiting, or waiting for
		// bytes that are not there: only then is it woken, as shutdownInput() makes every later
		// read return end of stream, dropping bytes that have arrived but are still unread.
		CloseWatchdog.runLater(this::wakeReaderIfStillInRead, DRAIN_WAKE_DELAY_MILLIS);
	}

	private void answerWhatHasArrived() {
		if (this.tls != null) {
			// Its handshake has not begun: nothing it sent can be read, and nothing said (the bye
			// line in clear text would be garbage to it). It is closed without a word.
			this.pipeline.end(Ending.SHUTTING_DOWN);
			return;
		}
		byte[] buffer = new byte[BUFFER_SIZE];
		try {
			InputStream in = input();
			int n;
			while (!this.pipeline.isEnded() && (n = readArrived(in, buffer)) > 0) {
				this.pipeline.received(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			this.pipeline.lost(ex);
		}
		this.pipeline.end(Ending.SHUTTING_DOWN);
	}

	private void wakeReaderIfStillInRead() {
		if (!this.inRead) {
			return;
		}
		if (this.tlsSocket != null) {
			// A TLS socket cannot shut its input without the client's close_notify, and shutting
			// the plain socket's makes TLS 1.2 answer with its own close_notify and drop the bye
			// line. Nothing is waiting to be read: the bye line is written apart, and the close
			// fails the read.
			end(Ending.SHUTTING_DOWN);
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

	/** Called by the pool's rejection policy, on the accepting thread, when no worker and no queue slot is free. */
	void refuseBecausePoolIsFull() {
		endBeforeServing(Ending.POOL_FULL);
	}

}
