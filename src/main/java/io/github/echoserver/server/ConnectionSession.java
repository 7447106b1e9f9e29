package io.github.echoserver.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.protocol.FrameDecoder;
import io.github.echoserver.protocol.LineTooLongException;
import io.github.echoserver.protocol.ServerMessages;
import io.github.echoserver.protocol.TelnetInterrupt;

import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

/**
 * What both connection flavours ({@link EchoNetConnection}, {@link EchoNioConnection}) keep per
 * connection beyond the socket: the frame decoder, the registry's entry, and the line to say
 * when reading ends. It also decides, in one place, how each way of ending is answered and logged.
 */
final class ConnectionSession {

	private static final Log logger = LogFactory.getLog(ConnectionSession.class);

	private final FrameDecoder decoder;

	/** Line framing: telnet's interrupt command ends the session (see {@link TelnetInterrupt}). */
	private final boolean telnetAware;

	private final String peer;

	private final ConnectionRegistry registry;

	private @Nullable TrackedConnection tracked;

	private volatile byte @Nullable [] lineAtEnd;

	ConnectionSession(FrameDecoder decoder, boolean telnetAware, String peer, ConnectionRegistry registry) {
		this.decoder = decoder;
		this.telnetAware = telnetAware;
		this.peer = peer;
		this.registry = registry;
	}

	void track(TrackedConnection trackedConnection) {
		this.tracked = trackedConnection;
	}

	/** The client's address and port, for log lines. */
	String peer() {
		return this.peer;
	}

	/** Count {@code length} bytes read and hand every complete frame in them to {@code frames}. */
	void decode(byte[] buffer, int length, Consumer<byte[]> frames) {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			trackedConnection.received(length);
		}
		int interrupt = this.telnetAware ? TelnetInterrupt.indexIn(buffer, length) : -1;
		if (interrupt >= 0) {
			// Lines completed before the interrupt still get their replies.
			this.decoder.decode(buffer, 0, interrupt, frames);
			throw new TelnetInterrupt();
		}
		long before = this.decoder.frames();
		this.decoder.decode(buffer, 0, length, frames);
		if (trackedConnection != null) {
			trackedConnection.unfinishedLine(this.decoder.hasPartialFrame(), this.decoder.frames() != before);
		}
	}

	/** At the end of the stream: the unterminated last line, which is echoed too. */
	byte @Nullable [] finish() {
		return this.decoder.finish();
	}

	void echoed(int replyLength) {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			trackedConnection.echoed(replyLength);
		}
	}

	void sent(int lineLength) {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			trackedConnection.sent(lineLength);
		}
	}

	/** The pool had no room for this (blocking) connection; it is being refused. */
	void refusedBecausePoolIsFull() {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			this.registry.refuse(trackedConnection.getId(), RejectionReason.POOL_FULL);
		}
	}

	/** A write to the client begins (the write timeout watches it). */
	void writing() {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			trackedConnection.writing();
		}
	}

	/** The write has returned. */
	void written() {
		TrackedConnection trackedConnection = this.tracked;
		if (trackedConnection != null) {
			trackedConnection.written();
		}
	}

	/**
	 * A write to the client failed: it has gone (reset, broken pipe), or the write timeout
	 * closed the socket under it, which the reaper has logged and counted already.
	 */
	void writeFailed(IOException ex) {
		if (logger.isDebugEnabled()) {
			logger.debug("Write to " + this.peer + " failed: " + ex);
		}
	}

	/**
	 * Handling a line failed because the connection had been closed meanwhile (a reset while
	 * writing, the admin API, a timeout): logged at DEBUG, not counted as an internal error.
	 * @param failure what failed after the close
	 */
	void closedUnder(Throwable failure) {
		if (logger.isDebugEnabled()) {
			logger.debug("Connection from " + this.peer + " was closed while a line was handled: " + failure);
		}
	}

	/** Say {@code serverLine} when reading ends normally (the drain's bye line). */
	void endWith(byte[] serverLine) {
		this.lineAtEnd = serverLine;
	}

	/**
	 * Reading has ended because of {@code failure}: log it at the level it deserves and return
	 * the server line to write before closing, if any.
	 * @param failure what ended the read loop (end of stream, a broken rule, an I/O error)
	 * @return the line to write, or {@code null} to close silently
	 */
	byte @Nullable [] lineForEnd(Throwable failure) {
		Throwable cause = (failure instanceof UncheckedIOException && failure.getCause() != null) ? failure.getCause()
				: failure;
		if (cause instanceof SoftEndOfStreamException || cause instanceof EOFException) {
			return this.lineAtEnd;
		}
		if (cause instanceof TelnetInterrupt) {
			if (logger.isDebugEnabled()) {
				logger.debug("Connection from " + this.peer + " interrupted (telnet Ctrl+C)");
			}
			return ServerMessages.INTERRUPTED;
		}
		if (cause instanceof LineTooLongException tooLong) {
			this.registry.lineTooLong();
			logger.warn("Closing connection from " + this.peer + ": " + tooLong.getMessage());
			return ServerMessages.lineTooLong(tooLong.getMaxLineLength());
		}
		if (cause instanceof IOException) {
			// Resets, broken pipes, sockets closed under a blocked read by the admin API or
			// the idle timeout: the peer or the server ended the connection, nothing failed.
			if (logger.isDebugEnabled()) {
				logger.debug("Connection from " + this.peer + " ended: " + cause);
			}
			return null;
		}
		this.registry.internalError();
		logger.error("Closing connection from " + this.peer + " after an unexpected failure", cause);
		return ServerMessages.INTERNAL_ERROR;
	}

}
