package io.github.echoserver.server;

import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.TlsDetails;
import io.github.echoserver.pipeline.ConnectionPipeline;

/**
 * TLS for one {@link EchoNioConnection}: an {@link SSLEngine} between its socket and its
 * pipeline, which reads and writes plaintext as it does in clear text. Spring Integration's
 * {@code TcpNioSSLConnection} cannot serve here: it relies on the per-read hand-off to a worker
 * that the event loops removed (and a thread that writes during the handshake waits on a
 * semaphore for the client's next handshake bytes).
 * <p>
 * Everything runs on the connection's loop and nothing waits: the handshake moves on as the
 * client's bytes arrive ({@code NEED_UNWRAP}) and as the socket takes the engine's messages
 * ({@code NEED_WRAP}), so a client that stalls in its handshake holds no thread, only its engine,
 * until {@code echo.ssl.handshake-timeout} ends it. The engine's delegated tasks (the key
 * exchange, the signature, checking a client certificate) run inline on the loop, as Netty's
 * {@code SslHandler} runs them by default: with ECDHE and a P-256 key they take well under a
 * millisecond of CPU per TLS 1.3 handshake (0.7 ms median measured on a busy two-core machine),
 * and a hand-off to another thread and back would add its own wake-ups to every handshake.
 * <p>
 * Its buffers are the loop's ({@link TlsBuffers}); it keeps bytes of its own only while part of
 * a record, or records not unwrapped yet, wait for a later pass. Replies that the socket does
 * not take are kept, already wrapped, by the connection, as in clear text.
 */
final class NioTls {

	private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

	/** How an unwrap pass ended. */
	enum Inbound {

		/** Every complete record was unwrapped; what is left is part of a record, or nothing. */
		DRAINED,

		/** The plaintext buffer has no room for the next record: hand it over, then unwrap on. */
		FULL,

		/** The socket did not take all of the handshake's messages: unwrap on once it has. */
		BLOCKED,

		/** The client's {@code close_notify} has been read: its end of stream. */
		CLOSED

	}

	/** Where network bytes go, in order. */
	@FunctionalInterface
	interface Wire {

		/**
		 * Write, or keep what the socket does not take now.
		 * @param bytes the bytes, from their position to their limit; not kept after the call
		 * @return whether the socket took them all (and nothing written before waits)
		 * @throws IOException when the write fails
		 */
		boolean send(ByteBuffer bytes) throws IOException;

	}

	private final SSLEngine engine;

	private final EventLoop loop;

	private final ConnectionPipeline pipeline;

	/** The connection's socket, in order: the handshake's messages and the records of its replies. */
	private final Wire wire;

	/** Bytes read and not unwrapped yet: part of a record, or records left for a later turn. */
	private @Nullable ByteBuffer unread;

	/** Some byte has come from the client: leaving now is a failed handshake, not a probe. */
	private boolean started;

	private boolean established;

	NioTls(SSLEngine engine, EventLoop loop, ConnectionPipeline pipeline, Wire wire) {
		this.engine = engine;
		this.loop = loop;
		this.pipeline = pipeline;
		this.wire = wire;
	}

	/** Whether the handshake has completed: plaintext may go out. */
	boolean isEstablished() {
		return this.established;
	}

	SSLSession session() {
		return this.engine.getSession();
	}

	/** Bytes read and kept for a later pass. */
	int unreadBytes() {
		ByteBuffer kept = this.unread;
		return (kept != null) ? kept.remaining() : 0;
	}

	/** Whether a pass has input without reading: records kept from before, or the client's close_notify. */
	boolean hasInput() {
		return this.unread != null || this.engine.isInboundDone();
	}

	// Inbound

	/**
	 * The loop's buffer for network bytes, holding the bytes kept from before (no longer kept
	 * here) and ready for a read after them.
	 */
	ByteBuffer networkIn() {
		ByteBuffer net = buffers().networkIn();
		net.clear();
		ByteBuffer kept = this.unread;
		if (kept != null) {
			net.put(kept);
			this.unread = null;
		}
		return net;
	}

	/** The loop's buffer for plaintext, empty. */
	ByteBuffer plainIn() {
		ByteBuffer plain = buffers().plainIn();
		plain.clear();
		return plain;
	}

	/** The loop's plaintext buffer was too small for one record of this engine, while empty. */
	void growPlainIn() {
		buffers().growPlainIn(this.engine.getSession().getApplicationBufferSize());
	}

	/**
	 * Keep what is left of {@code net} for a later pass: copied into a buffer of this connection's
	 * own, of that size, only when something is left.
	 * @param net the loop's buffer, its position at the first byte not unwrapped
	 */
	void keepUnread(ByteBuffer net) {
		if (net.hasRemaining()) {
			ByteBuffer kept = ByteBuffer.allocate(net.remaining());
			kept.put(net).flip();
			this.unread = kept;
		}
	}

	/**
	 * Unwrap the complete records of {@code net} into {@code plain}, and move the handshake on as
	 * it asks: its tasks run, its messages are wrapped and sent, its completion is told to the
	 * pipeline. One pass over every record the read brought.
	 * @param net network bytes, from its position to its limit; its position moves past what is unwrapped
	 * @param plain where the plaintext goes
	 * @return why the pass stopped
	 * @throws SSLException when the client's bytes are not acceptable TLS (see {@link #failed})
	 * @throws IOException when a write fails
	 */
	Inbound unwrap(ByteBuffer net, ByteBuffer plain) throws IOException {
		if (net.hasRemaining()) {
			this.started = true;
		}
		HandshakeStatus status = this.established ? HandshakeStatus.NOT_HANDSHAKING : this.engine.getHandshakeStatus();
		while (true) {
			if (status == HandshakeStatus.NEED_TASK) {
				runDelegatedTasks();
				status = this.engine.getHandshakeStatus();
				continue;
			}
			if (status == HandshakeStatus.NEED_WRAP) {
				Inbound stop = wrapHandshake();
				if (stop != null) {
					return stop;
				}
				status = this.engine.getHandshakeStatus();
				continue;
			}
			if (this.engine.isInboundDone()) {
				return Inbound.CLOSED;
			}
			if (!net.hasRemaining()) {
				return Inbound.DRAINED;
			}
			SSLEngineResult result = this.engine.unwrap(net, plain);
			status = result.getHandshakeStatus();
			if (status == HandshakeStatus.FINISHED) {
				completed();
				// It may still have a message to send (TLS 1.3's session ticket).
				status = this.engine.getHandshakeStatus();
			}
			switch (result.getStatus()) {
				case BUFFER_UNDERFLOW:
					return Inbound.DRAINED;
				case BUFFER_OVERFLOW:
					return Inbound.FULL;
				case CLOSED:
					return Inbound.CLOSED;
				default:
					if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
							&& status != HandshakeStatus.NEED_TASK && status != HandshakeStatus.NEED_WRAP) {
						// No progress and nothing asked of us: left for the next read rather than spun on.
						return Inbound.DRAINED;
					}
			}
		}
	}

	/**
	 * The engine's handshake messages, wrapped and sent until it waits for the client.
	 * @return null to go on, {@link Inbound#BLOCKED} when the socket did not take them all, or
	 * {@link Inbound#CLOSED} when the engine has closed
	 */
	private @Nullable Inbound wrapHandshake() throws IOException {
		TlsBuffers buffers = buffers();
		ByteBuffer out = buffers.networkOut();
		out.clear();
		boolean written = true;
		boolean closed = false;
		HandshakeStatus status = HandshakeStatus.NEED_WRAP;
		while (status == HandshakeStatus.NEED_WRAP) {
			if (out.remaining() < buffers.packetSize()) {
				out.flip();
				written = this.wire.send(out) && written;
				out.clear();
			}
			SSLEngineResult result = this.engine.wrap(NOTHING, out);
			status = result.getHandshakeStatus();
			if (status == HandshakeStatus.FINISHED) {
				completed();
				status = this.engine.getHandshakeStatus();
			}
			else if (status == HandshakeStatus.NEED_TASK) {
				runDelegatedTasks();
				status = this.engine.getHandshakeStatus();
			}
			if (result.getStatus() != SSLEngineResult.Status.OK) {
				// Closed: the engine has said all it will (an alert after a failure).
				closed = true;
				break;
			}
			if (result.bytesProduced() == 0 && status == HandshakeStatus.NEED_WRAP) {
				// Never seen; spinning here would hold the loop and all its connections.
				throw new SSLException("the TLS engine asks to wrap and wraps nothing");
			}
		}
		out.flip();
		if (out.hasRemaining()) {
			written = this.wire.send(out) && written;
		}
		return closed ? Inbound.CLOSED : written ? null : Inbound.BLOCKED;
	}

	private void runDelegatedTasks() {
		Runnable task;
		while ((task = this.engine.getDelegatedTask()) != null) {
			task.run();
		}
	}

	private void completed() {
		if (!this.established) {
			this.established = true;
			this.pipeline.handshakeCompleted(TlsDetails.of(this.engine.getSession()));
		}
	}

	/**
	 * The engine refused the client's bytes. During the handshake it is a failed handshake (not
	 * TLS, a broken or unacceptable ClientHello, a refused certificate: one WARN line, counted);
	 * afterwards the connection is lost, as when a socket is reset.
	 * @param failure what the engine threw
	 */
	void failed(SSLException failure) {
		if (this.established) {
			this.pipeline.lost(failure);
		}
		else {
			String reason = failure.getMessage();
			this.pipeline.handshakeFailed(
					(reason != null) ? reason.replace('\n', ' ') : failure.getClass().getSimpleName());
		}
	}

	/**
	 * The client closed the TCP connection without {@code close_notify}. Once established it is
	 * the end of its stream, as in clear text (many clients close so); a client that left after
	 * sending part of its handshake failed it; one that never sent a byte (a port probe) just left.
	 */
	void endOfInput() {
		if (this.established || !this.started) {
			this.pipeline.endOfStream();
		}
		else {
			this.pipeline.handshakeFailed("the client closed the connection during the handshake");
		}
	}

	// Outbound

	/**
	 * Wrap plaintext into records and send them, a network buffer at a time (one for a flush of
	 * the reply batch). Only once established: nothing goes out in clear text.
	 * @param plain the replies, from its position to its limit
	 * @throws IOException when the engine fails (it has closed) or a write fails
	 */
	void wrap(ByteBuffer plain) throws IOException {
		TlsBuffers buffers = buffers();
		ByteBuffer out = buffers.networkOut();
		while (plain.hasRemaining()) {
			int before = plain.remaining();
			out.clear();
			SSLEngineResult.Status status = SSLEngineResult.Status.OK;
			while (plain.hasRemaining() && out.remaining() >= buffers.packetSize()
					&& status == SSLEngineResult.Status.OK) {
				status = this.engine.wrap(plain, out).getStatus();
			}
			out.flip();
			if (out.hasRemaining()) {
				this.wire.send(out);
			}
			if (status != SSLEngineResult.Status.OK || plain.remaining() == before) {
				// Closed outbound: what is left cannot go.
				return;
			}
		}
	}

	/**
	 * The connection closes: bytes kept are let go, and when nothing is left half written, the
	 * engine's last words ({@code close_notify}, or the alert of a failed handshake) are wrapped
	 * for one write that does not wait.
	 * @param farewell whether to say them (the stream is at a record boundary, on the loop)
	 * @return the bytes to write, or null
	 */
	@Nullable ByteBuffer close(boolean farewell) {
		this.unread = null;
		if (!farewell) {
			return null;
		}
		this.engine.closeOutbound();
		TlsBuffers buffers = buffers();
		ByteBuffer out = buffers.networkOut();
		out.clear();
		try {
			while (!this.engine.isOutboundDone() && out.remaining() >= buffers.packetSize()) {
				if (this.engine.wrap(NOTHING, out).bytesProduced() == 0) {
					break;
				}
			}
		}
		catch (SSLException ex) {
			// Closing anyway: nothing more to say.
		}
		out.flip();
		return out;
	}

	private TlsBuffers buffers() {
		return this.loop.tlsBuffers(this.engine);
	}

}
