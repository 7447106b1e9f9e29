package io.github.echoserver.pipeline;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.connections.TlsDetails;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.protocol.FrameDecoder;
import io.github.echoserver.protocol.LineTooLongException;
import io.github.echoserver.protocol.TelnetInterrupt;

import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.TcpListener;
import org.springframework.messaging.support.GenericMessage;

/**
 * One connection, everything but the socket (docs/architecture.md, How a line travels). Read it
 * top to bottom:
 * <ol>
 * <li>{@link #admit} takes the connection on, or refuses it (the {@link Admission}: the access
 * list, {@code echo.max-connections-per-client}, {@code echo.max-connections});</li>
 * <li>{@link #received} runs the bytes of one read through the {@link Preamble} and the
 * {@link FrameDecoder}, and hands each frame, as a message, to Spring Integration's
 * {@link TcpListener} (the inbound channel adapter, then the echo handler, then the outbound
 * channel adapter); with {@code echo.lines-per-connection}, no more than the lines left, after
 * which the connection ends ({@link Ending#LINES_DONE}) and the rest of the read is dropped;</li>
 * <li>{@link #reply} takes each reply back from the outbound adapter into the transport's
 * {@link ReplySink}; the replies to one read are flushed together when it has been handled;</li>
 * <li>{@link #end} is where every connection ends, for whatever {@link Ending}: the client's
 * {@code server ...#} line, the log line, the counter and the close.</li>
 * </ol>
 * The transport calls the read side ({@link #received}, {@link #endOfStream},
 * {@link #lost}) from one thread at a time; {@link #end} may come from any thread and takes
 * effect once.
 */
public final class ConnectionPipeline {

	private static final Log logger = LogFactory.getLog(ConnectionPipeline.class);

	private final String connectionId;

	private final String peer;

	private final Preamble preamble;

	private final FrameDecoder decoder;

	private final boolean telnetAware;

	private final int maxLineLength;

	private final Admission admission;

	private final ConnectionRegistry registry;

	private final ReplySink sink;

	private final Listener listenerKind;

	/** {@code echo.lines-per-connection} is set: {@link #linesLeft} counts down to the end. */
	private final boolean linesLimited;

	/** Lines this connection is still answered, while {@link #linesLimited}; read side only. */
	private int linesLeft;

	/** The one header a frame's message carries: the outbound adapter finds the connection by it. */
	private final Map<String, Object> headers;

	private final Consumer<byte[]> dispatch = this::dispatch;

	private final AtomicBoolean ended = new AtomicBoolean();

	private volatile @Nullable TcpListener listener;

	private volatile @Nullable TrackedConnection tracked;

	private volatile boolean draining;

	/** Inside {@link #received}: replies wait for the flush at its end. */
	private boolean reading;

	ConnectionPipeline(String connectionId, String peer, Preamble preamble, FrameDecoder decoder,
			boolean telnetAware, int maxLineLength, int linesPerConnection, Admission admission, ReplySink sink,
			Listener listenerKind) {
		this.connectionId = connectionId;
		this.peer = peer;
		this.preamble = preamble;
		this.decoder = decoder;
		this.telnetAware = telnetAware;
		this.maxLineLength = maxLineLength;
		this.admission = admission;
		this.registry = admission.registry();
		this.sink = sink;
		this.listenerKind = listenerKind;
		this.linesLimited = linesPerConnection > 0;
		this.linesLeft = linesPerConnection;
		this.headers = Map.of(IpHeaders.CONNECTION_ID, connectionId);
	}

	/**
	 * Spring Integration registers the inbound channel adapter with each new connection.
	 * @param listener where frames go
	 */
	public void setListener(TcpListener listener) {
		this.listener = listener;
	}

	/**
	 * Admission: take the connection on, or refuse it, as the {@link Admission} decides on the
	 * client's address. Called by the accepting thread, before any byte is read or written (and
	 * before a TLS handshake). A refused connection (already counted and logged) is ended by its
	 * transport with the ending returned: {@link Ending#DENIED} closes it without a word.
	 * @param remoteAddress the client's address: the socket's peer, or what a preamble named
	 * @param remotePort the client's port
	 * @param state waiting for a worker, or served from the start
	 * @param handle how the registry, the timeouts and the drain reach this connection
	 * @return {@code null} when admitted, otherwise the ending to end it with
	 */
	public @Nullable Ending admit(InetAddress remoteAddress, int remotePort, ConnectionState state,
			ConnectionHandle handle) {
		Admission.Decision decision = this.admission.admit(this.connectionId, remoteAddress, remotePort, state,
				this.listenerKind, handle);
		this.tracked = decision.admitted();
		return decision.refusal();
	}

	/**
	 * The bytes of one read: every complete frame goes to the listener, then the replies are
	 * flushed together.
	 * @param buffer what the transport read; not kept
	 * @param offset where the bytes start
	 * @param length how many there are
	 */
	public void received(byte[] buffer, int offset, int length) {
		received(buffer, offset, length, Integer.MAX_VALUE);
	}

	/**
	 * The bytes of one read, of which at most {@code maxFrames} frames go to the listener now,
	 * then the replies are flushed together. An event loop bounds the work one connection gets
	 * per turn this way, so that a read of 16,384 empty lines does not hold the others.
	 * @param buffer what the transport read; not kept
	 * @param offset where the bytes start
	 * @param length how many there are
	 * @param maxFrames the most frames to handle now, at least 1
	 * @return how many of the bytes were taken; the transport keeps the rest and hands it to
	 * {@link #resume} later, before reading more
	 */
	public int received(byte[] buffer, int offset, int length, int maxFrames) {
		if (this.ended.get()) {
			return length;
		}
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			connection.received(length);
		}
		int taken = 0;
		if (!this.preamble.isComplete()) {
			taken = this.preamble.consume(buffer, offset, length);
		}
		return taken + decodeAndFlush(buffer, offset + taken, length - taken, maxFrames, connection);
	}

	/**
	 * Bytes that {@link #received(byte[], int, int, int)} left untaken (already counted): the
	 * next {@code maxFrames} frames of them, then the flush.
	 * @param buffer the bytes the transport kept
	 * @param offset where they start
	 * @param length how many there are
	 * @param maxFrames the most frames to handle now, at least 1
	 * @return how many of the bytes were taken
	 */
	public int resume(byte[] buffer, int offset, int length, int maxFrames) {
		if (this.ended.get()) {
			return length;
		}
		return decodeAndFlush(buffer, offset, length, maxFrames, this.tracked);
	}

	/**
	 * The frames of {@code buffer[offset, offset + length)}, at most {@code maxFrames} and at
	 * most the lines left, to the listener; then the connection ends (its last line answered,
	 * Ctrl+C, a line too long) or the replies are flushed.
	 * @return the bytes taken
	 */
	private int decodeAndFlush(byte[] buffer, int offset, int length, int maxFrames,
			@Nullable TrackedConnection connection) {
		int taken = length;
		Ending ending = null;
		this.reading = true;
		try {
			if (length > 0) {
				int interrupt = this.telnetAware ? TelnetInterrupt.indexIn(buffer, offset, length) : -1;
				int upTo = (interrupt >= 0) ? interrupt - offset : length;
				long before = this.decoder.frames();
				// The budget stops the decoder at the last line answered, even within one turn.
				int budget = this.linesLimited ? Math.min(maxFrames, this.linesLeft) : maxFrames;
				taken = this.decoder.decode(buffer, offset, upTo, budget, this.dispatch);
				if (interrupt >= 0) {
					// Lines completed before the interrupt still get their replies, over as many
					// turns as they take (each turn finds the interrupt again).
					ending = (taken == upTo) ? Ending.INTERRUPTED : null;
				}
				else if (connection != null) {
					connection.unfinishedLine(this.decoder.hasPartialFrame(), this.decoder.frames() != before);
				}
				if (this.linesLimited) {
					this.linesLeft -= (int) (this.decoder.frames() - before);
					if (this.linesLeft == 0) {
						// Served its lines: what follows in the read, a Ctrl+C included, is dropped.
						ending = Ending.LINES_DONE;
						linesDropped(this.decoder.countFrames(buffer, offset + taken, upTo - taken));
					}
				}
			}
		}
		catch (LineTooLongException ex) {
			ending = Ending.LINE_TOO_LONG;
		}
		catch (RuntimeException ex) {
			failed(ex);
			taken = length;
		}
		finally {
			this.reading = false;
		}
		if (ending != null) {
			end(ending);
			return length;
		}
		this.sink.flush();
		return taken;
	}

	private void linesDropped(int lines) {
		if (lines > 0) {
			this.registry.linesDropped(lines);
			if (logger.isDebugEnabled()) {
				logger.debug("Connection from " + this.peer + " served its lines; " + lines + " more not answered");
			}
		}
	}

	/** One frame to Spring Integration: the inbound adapter, and through the flow, the echo. */
	private void dispatch(byte[] frame) {
		if (this.ended.get()) {
			return;
		}
		TcpListener inbound = this.listener;
		if (inbound == null) {
			throw new IllegalStateException("No listener registered for connection " + this.connectionId);
		}
		inbound.onMessage(new GenericMessage<>(frame, this.headers));
	}

	/**
	 * A reply from the outbound channel adapter. Within a read it waits for the read's flush; a
	 * reply that comes on its own is flushed at once.
	 * @param reply the bytes, in one array
	 */
	public void reply(byte[] reply) {
		this.sink.write(reply, 0, reply.length);
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			connection.echoed(reply.length);
		}
		if (!this.reading) {
			this.sink.flush();
		}
	}

	/**
	 * The client closed or half-closed its side: its unterminated last line is echoed, then the
	 * connection ends ({@link Ending#SHUTTING_DOWN} once the drain has begun).
	 */
	public void endOfStream() {
		if (this.ended.get()) {
			return;
		}
		Ending ending = this.draining ? Ending.SHUTTING_DOWN : Ending.PEER_CLOSED;
		this.reading = true;
		try {
			byte[] tail = this.decoder.finish();
			if (tail != null) {
				dispatch(tail);
			}
		}
		catch (LineTooLongException ex) {
			ending = Ending.LINE_TOO_LONG;
		}
		catch (RuntimeException ex) {
			// Ends the connection (or it had ended already); the end below is then a no-op.
			failed(ex);
		}
		finally {
			this.reading = false;
		}
		end(ending);
	}

	/**
	 * A read or a write failed: the client reset the connection, or it was closed under a blocked call.
	 * @param failure what the transport caught
	 */
	public void lost(IOException failure) {
		if (logger.isDebugEnabled() && !this.ended.get()) {
			logger.debug("Connection from " + this.peer + " lost: " + failure);
		}
		end(Ending.CONNECTION_LOST);
	}

	/**
	 * Replies wait for the client to read ({@code true}), or have all been written: the write
	 * timeout runs meanwhile.
	 * @param blocked whether the transport holds replies it could not write
	 */
	public void writeBlocked(boolean blocked) {
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			if (blocked) {
				connection.writing();
			}
			else {
				connection.written();
			}
		}
	}

	/**
	 * The transport begins a TLS handshake; {@code echo.ssl.handshake-timeout} runs from now.
	 * The pipeline itself never sees TLS: the transport hands it plaintext both ways.
	 */
	public void handshakeStarted() {
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			connection.handshaking();
		}
	}

	/**
	 * The TLS handshake has completed; the connection is served.
	 * @param details the protocol, cipher suite and client certificate it settled
	 */
	public void handshakeCompleted(TlsDetails details) {
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			connection.handshaken(details);
		}
		if (logger.isDebugEnabled()) {
			logger.debug("TLS from " + this.peer + ": " + details.protocol() + ", " + details.cipherSuite()
					+ ((details.clientSubject() != null) ? ", client " + details.clientSubject() : ""));
		}
	}

	/**
	 * The TLS handshake failed: one WARN line with the peer and the reason, no stack trace (an
	 * expected condition: a clear-text client, a scanner, an untrusted certificate), and the
	 * connection ends without a line.
	 * @param reason what the TLS engine said, e.g. {@code Unsupported or unrecognized SSL message}
	 */
	public void handshakeFailed(String reason) {
		end(Ending.HANDSHAKE_FAILED, null, reason);
	}

	/** The drain has begun: reaching the end of the stream now ends with the bye line. */
	public void startDrain() {
		this.draining = true;
	}

	/** Whether the connection has ended (its line said, its close under way). */
	public boolean isEnded() {
		return this.ended.get();
	}

	/**
	 * End the connection. The first ending wins: its line is written (after the replies to lines
	 * already read, or only if the socket takes it now, see {@link Ending#repliesFirst()}), it is
	 * logged and counted, and the transport closes. A later ending that does not wait for
	 * replies still closes at once: a drained client that stopped reading is closed when the
	 * shutdown timeout runs out.
	 * @param ending why
	 */
	public void end(Ending ending) {
		end(ending, null, null);
	}

	private void end(Ending ending, @Nullable Throwable cause, @Nullable String detail) {
		if (!this.ended.compareAndSet(false, true)) {
			if (!ending.repliesFirst()) {
				this.sink.close(false);
			}
			return;
		}
		log(ending, cause, detail);
		TrackedConnection connection = this.tracked;
		if (connection != null) {
			connection.ending(ending);
			ending.count(this.registry, connection);
		}
		byte[] serverLine = ending.serverLine(this.maxLineLength);
		if (serverLine != null) {
			this.sink.write(serverLine, 0, serverLine.length);
			if (connection != null) {
				connection.sent(serverLine.length);
			}
		}
		this.sink.flush();
		this.sink.close(ending.repliesFirst());
	}

	/**
	 * A failure while a frame was handled ends the connection with an internal error. After the
	 * connection has ended it is a consequence (the outbound adapter no longer finds a closed
	 * connection), not a fault.
	 */
	private void failed(RuntimeException ex) {
		if (this.ended.get()) {
			if (logger.isDebugEnabled()) {
				logger.debug("Connection from " + this.peer + " was closed while a line was handled: " + ex);
			}
			return;
		}
		end(Ending.INTERNAL_ERROR, ex, null);
	}

	private void log(Ending ending, @Nullable Throwable cause, @Nullable String detail) {
		switch (ending.level()) {
			case ERROR -> logger.error(describe(ending, detail), cause);
			case WARN -> logger.warn(describe(ending, detail));
			case INFO -> {
				if (logger.isInfoEnabled()) {
					logger.info(describe(ending, detail));
				}
			}
			default -> {
				if (logger.isDebugEnabled()) {
					logger.debug(describe(ending, detail));
				}
			}
		}
	}

	private String describe(Ending ending, @Nullable String detail) {
		return "Closing connection from " + this.peer + ": " + ending.description(this.maxLineLength)
				+ ((detail != null) ? ": " + detail : "");
	}

}
