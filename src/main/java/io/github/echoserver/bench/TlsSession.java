package io.github.echoserver.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * The TLS client side of one load connection: an {@link SSLEngine} in client mode between the
 * connection's plaintext and its non-blocking socket. Never blocks: the handshake moves on as
 * the socket is readable or writable, delegated tasks run inline on the load's thread (the load
 * measures the client's cost too, as a real client pays it), and whatever the socket does not
 * take at once waits in {@link #netOut} for OP_WRITE. Used by the connection's I/O thread only.
 * <p>
 * Only {@link LoadConnection} knows it exists, so that the clear-text path stays a plain read
 * and write on the socket.
 */
final class TlsSession {

	private final SSLEngine engine;

	/** Nothing to send: what {@link #write} wraps when only the handshake (or the close) has bytes to send. */
	private final ByteBuffer nothing = ByteBuffer.allocate(0);

	/** TLS records read from the socket and not yet unwrapped (a partial record waits here); write mode. */
	private ByteBuffer netIn;

	/** TLS records wrapped and not yet taken by the socket; write mode. */
	private ByteBuffer netOut;

	/** Whole records left in {@link #netIn} because the plaintext buffer was full: read again at once. */
	private boolean unreadInput;

	private boolean handshakeDone;

	/** The handshake has just completed and nobody has been told yet. */
	private boolean handshakeNews;

	private boolean closedByPeer;

	TlsSession(SSLEngine engine) throws SSLException {
		this.engine = engine;
		int packetSize = engine.getSession().getPacketBufferSize();
		this.netIn = ByteBuffer.allocate(packetSize);
		this.netOut = ByteBuffer.allocate(packetSize);
		engine.beginHandshake();
	}

	boolean handshaking() {
		return !this.handshakeDone;
	}

	/** Whether the handshake has completed since the last call: true once per session. */
	boolean takeHandshakeNews() {
		boolean news = this.handshakeNews;
		this.handshakeNews = false;
		return news;
	}

	/** The protocol negotiated, e.g. {@code TLSv1.3}. */
	String protocol() {
		return this.engine.getSession().getProtocol();
	}

	/** Whether records wait for the socket to take them: the connection then wants OP_WRITE. */
	boolean hasNetOutput() {
		return this.netOut.position() > 0;
	}

	/** Whether records were left unread because the plaintext buffer was full. */
	boolean hasUnreadInput() {
		return this.unreadInput;
	}

	/**
	 * Read what the socket has and unwrap it into {@code plain} from its start, answering the
	 * handshake on the way (its replies are written at once).
	 * @return plaintext bytes in {@code plain}, 0 if none (a partial record, handshake messages),
	 *     -1 at end of stream or once the server has sent close_notify
	 */
	int read(SocketChannel channel, ByteBuffer plain) throws IOException {
		plain.clear();
		if (this.closedByPeer) {
			return -1;
		}
		int read = this.unreadInput ? 0 : channel.read(this.netIn);
		this.unreadInput = false;
		this.netIn.flip();
		boolean grow = false;
		try {
			unwrap: while (this.netIn.hasRemaining()) {
				SSLEngineResult result = this.engine.unwrap(this.netIn, plain);
				noteFinished(result);
				switch (result.getStatus()) {
					case BUFFER_UNDERFLOW -> {
						// A partial record: wait for its rest, in a buffer that can hold it whole.
						grow = this.netIn.capacity() < this.engine.getSession().getPacketBufferSize();
						break unwrap;
					}
					case BUFFER_OVERFLOW -> {
						if (plain.position() == 0) {
							throw new SSLException("a TLS record larger than the " + plain.capacity() + "-byte read buffer");
						}
						this.unreadInput = true;
						break unwrap;
					}
					case CLOSED -> {
						this.closedByPeer = true;
						break unwrap;
					}
					case OK -> {
						// go on below
					}
				}
				if (!answerHandshake(channel, result)) {
					break;
				}
			}
		}
		catch (SSLException ex) {
			throw failure(ex);
		}
		finally {
			this.netIn.compact();
		}
		if (grow) {
			this.netIn = grown(this.netIn, this.engine.getSession().getPacketBufferSize());
		}
		if (plain.position() == 0 && (read < 0 || this.closedByPeer)) {
			return -1;
		}
		return plain.position();
	}

	/**
	 * After an unwrap: run the engine's tasks and send what the handshake wants sent.
	 * @return whether unwrapping may go on
	 */
	private boolean answerHandshake(SocketChannel channel, SSLEngineResult result) throws IOException {
		HandshakeStatus status = result.getHandshakeStatus();
		if (status == HandshakeStatus.NEED_TASK) {
			runTasks();
			status = this.engine.getHandshakeStatus();
		}
		if (status == HandshakeStatus.NEED_WRAP) {
			write(channel, this.nothing);
			// A handshake message the socket has not taken holds up the rest: OP_WRITE resumes it.
			return !hasNetOutput();
		}
		return result.bytesConsumed() > 0 || result.bytesProduced() > 0;
	}

	/**
	 * Wrap {@code plain} (read mode) and write the records, as far as the socket takes them;
	 * while the handshake runs this sends its messages instead and keeps {@code plain} for later.
	 * @return the plaintext bytes taken from {@code plain}
	 */
	int write(SocketChannel channel, ByteBuffer plain) throws IOException {
		int taken = 0;
		try {
			while (writeNet(channel)) {
				HandshakeStatus status = this.engine.getHandshakeStatus();
				if (status == HandshakeStatus.NEED_TASK) {
					runTasks();
					continue;
				}
				if (status == HandshakeStatus.NEED_UNWRAP || status == HandshakeStatus.NEED_UNWRAP_AGAIN
						|| (status == HandshakeStatus.NOT_HANDSHAKING && !plain.hasRemaining())) {
					break; // the server speaks next, or there is nothing to send
				}
				SSLEngineResult result = this.engine.wrap(plain, this.netOut);
				noteFinished(result);
				taken += result.bytesConsumed();
				if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
					if (this.netOut.position() == 0) {
						this.netOut = grown(this.netOut, this.engine.getSession().getPacketBufferSize());
					}
					continue; // written out first, then wrapped again
				}
				if (result.getStatus() == SSLEngineResult.Status.CLOSED || result.bytesProduced() == 0) {
					writeNet(channel);
					break;
				}
			}
		}
		catch (SSLException ex) {
			throw failure(ex);
		}
		return taken;
	}

	/**
	 * Send close_notify as far as the socket takes it at once; the connection is closed next
	 * whatever happens. After a failed handshake this sends the engine's alert instead.
	 */
	void close(SocketChannel channel) {
		this.engine.closeOutbound();
		try {
			write(channel, this.nothing);
		}
		catch (IOException ex) {
			// the socket is closed next anyway
		}
	}

	/** Write {@link #netOut}; true when it is empty afterwards. */
	private boolean writeNet(SocketChannel channel) throws IOException {
		if (this.netOut.position() > 0) {
			this.netOut.flip();
			channel.write(this.netOut);
			this.netOut.compact();
		}
		return this.netOut.position() == 0;
	}

	private void noteFinished(SSLEngineResult result) {
		if (result.getHandshakeStatus() == HandshakeStatus.FINISHED && !this.handshakeDone) {
			this.handshakeDone = true;
			this.handshakeNews = true;
		}
	}

	/** The engine's slow steps (certificate checks, key agreement), inline: this thread is the client. */
	private void runTasks() {
		Runnable task;
		while ((task = this.engine.getDelegatedTask()) != null) {
			task.run();
		}
	}

	/** The engine's exception with a first word saying when it happened; the bench prints its message. */
	private SSLException failure(SSLException ex) {
		if (ex instanceof Failure) {
			return ex; // from a nested write, said already
		}
		return new Failure((this.handshakeDone ? "TLS: " : "TLS handshake failed: ") + ex.getMessage(), ex);
	}

	/** An engine's exception, its message prefixed once. */
	private static final class Failure extends SSLException {

		private static final long serialVersionUID = 1L;

		Failure(String message, SSLException cause) {
			super(message, cause);
		}

	}

	/** {@code buffer} (write mode) copied into one of {@code capacity} bytes. */
	private static ByteBuffer grown(ByteBuffer buffer, int capacity) {
		ByteBuffer larger = ByteBuffer.allocate(Math.max(capacity, buffer.capacity() * 2));
		buffer.flip();
		larger.put(buffer);
		return larger;
	}

}
