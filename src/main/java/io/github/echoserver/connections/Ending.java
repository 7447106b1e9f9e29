package io.github.echoserver.connections;

import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.protocol.ServerMessages;

import org.springframework.boot.logging.LogLevel;

/**
 * Every way a connection ends, in one table: the {@code server ...#} line the client gets (or
 * none), the level of the log line, the counter it moves, and whether the replies to lines
 * already read are still written first (docs/architecture.md, How a line travels).
 * <p>
 * Endings that the client caused from its own side of the stream (it left, broke a rule, pressed
 * Ctrl+C) and the drain keep the replies: they happen between reads, so every line read so far
 * is answered. Endings imposed from outside (a timeout, the administrator, a refusal) say their
 * line if the socket takes it and close at once: such a client may not be reading at all.
 */
public enum Ending {

	/** The client closed (or half-closed) its side; an unterminated last line was echoed. */
	PEER_CLOSED(null, LogLevel.DEBUG, "closed by the client", true, null),

	/** A read or write failed: reset, broken pipe, a socket closed under a blocked call. */
	CONNECTION_LOST(null, LogLevel.DEBUG, "connection lost", false, null),

	/** A line longer than {@code echo.max-line-length}; the line is built with the limit. */
	LINE_TOO_LONG(null, LogLevel.WARN, "line too long", true, (registry, connection) -> registry.lineTooLong()),

	/** Telnet's Ctrl+C or Break (IAC IP, IAC BRK) in line framing. */
	INTERRUPTED(ServerMessages.INTERRUPTED, LogLevel.DEBUG, "interrupted (telnet Ctrl+C)", true, null),

	/** Nothing arrived for {@code echo.idle-timeout}. */
	IDLE_TIMEOUT(ServerMessages.IDLE_TIMEOUT, LogLevel.INFO, "idle timeout", false, null),

	/** A line stayed unfinished for {@code echo.line-timeout} (slowloris). */
	LINE_TIMEOUT(ServerMessages.LINE_TIMEOUT, LogLevel.INFO, "line timeout", false, null),

	/** A reply stayed unwritten for {@code echo.write-timeout}: no line can reach a client that does not read. */
	WRITE_TIMEOUT(null, LogLevel.WARN, "write timeout: the client does not read its replies", false,
			(registry, connection) -> registry.writeTimedOut()),

	/** {@code DELETE /actuator/echo/connections/{id}}. */
	CLOSED_BY_ADMINISTRATOR(ServerMessages.CLOSED_BY_ADMINISTRATOR, LogLevel.INFO, "closed by administrator", false,
			null),

	/** The drain on SIGTERM: lines already received are answered first. */
	SHUTTING_DOWN(ServerMessages.SHUTTING_DOWN, LogLevel.DEBUG, "shutting down", true, null),

	/** Still open when {@code echo.shutdown-timeout} ran out; the drain logs how many. */
	DRAIN_TIMEOUT(null, LogLevel.DEBUG, "not drained within the shutdown timeout", false, null),

	/** Handling a line failed inside the server; only this connection ends. */
	INTERNAL_ERROR(ServerMessages.INTERNAL_ERROR, LogLevel.ERROR, "internal error", true,
			(registry, connection) -> registry.internalError()),

	/**
	 * The TLS handshake did not complete within {@code echo.ssl.handshake-timeout}: no line, none
	 * could be read.
	 */
	HANDSHAKE_TIMEOUT(null, LogLevel.INFO, "TLS handshake timeout", false,
			(registry, connection) -> registry.tlsHandshake(HandshakeResult.TIMEOUT)),

	/**
	 * The TLS handshake failed (not TLS, a broken ClientHello, no common protocol, a refused
	 * client certificate); the log line gives the reason.
	 */
	HANDSHAKE_FAILED(null, LogLevel.WARN, "TLS handshake failed", false,
			(registry, connection) -> registry.tlsHandshake(HandshakeResult.FAILED)),

	/** {@code echo.max-connections} were open; counted by the registry's admission. */
	TOO_MANY_CONNECTIONS(ServerMessages.TOO_MANY_CONNECTIONS, LogLevel.DEBUG, "refused: too many connections", false,
			null),

	/** Blocking pooled model: every worker busy and the waiting queue full. */
	POOL_FULL(ServerMessages.POOL_FULL, LogLevel.DEBUG, "refused: all workers busy", false,
			(registry, connection) -> registry.refuse(connection.getId(), RejectionReason.POOL_FULL)),

	/**
	 * The reply to the last of {@code echo.lines-per-connection} lines is written (the
	 * short-lived model): closed without a word, as a request-response client reads its reply
	 * and then the end of the stream; lines read after it are dropped.
	 */
	LINES_DONE(null, LogLevel.DEBUG, "served its lines", true, null),

	/**
	 * The client's address is refused by {@code echo.access.*}: closed before any byte is read or
	 * written, without a line (a client that may not connect learns nothing of the server);
	 * counted and logged, rate limited, by the admission.
	 */
	DENIED(null, LogLevel.DEBUG, "refused: address not allowed (echo.access)", false, null),

	/** {@code echo.max-connections-per-client} were open from the client's address; counted by the admission. */
	PER_CLIENT_LIMIT(ServerMessages.TOO_MANY_CONNECTIONS_FROM_ADDRESS, LogLevel.DEBUG,
			"refused: too many connections from this address", false, null);

	private final byte @Nullable [] serverLine;

	private final LogLevel level;

	private final String description;

	private final boolean repliesFirst;

	private final @Nullable BiConsumer<ConnectionRegistry, TrackedConnection> counter;

	Ending(byte @Nullable [] serverLine, LogLevel level, String description, boolean repliesFirst,
			@Nullable BiConsumer<ConnectionRegistry, TrackedConnection> counter) {
		this.serverLine = serverLine;
		this.level = level;
		this.description = description;
		this.repliesFirst = repliesFirst;
		this.counter = counter;
	}

	/**
	 * The line the client gets, or {@code null} to close without a word.
	 * @param maxLineLength {@code echo.max-line-length}, named by the line-too-long line
	 * @return the line, CR LF included, or null
	 */
	public byte @Nullable [] serverLine(int maxLineLength) {
		return (this == LINE_TOO_LONG) ? ServerMessages.lineTooLong(maxLineLength) : this.serverLine;
	}

	/** The level of the one log line this ending gets. */
	public LogLevel level() {
		return this.level;
	}

	/**
	 * What the log line says after the client's address.
	 * @param maxLineLength {@code echo.max-line-length}, named for a line too long
	 * @return the description
	 */
	public String description(int maxLineLength) {
		return (this == LINE_TOO_LONG) ? this.description + " (max " + maxLineLength + " bytes)" : this.description;
	}

	/**
	 * Whether replies to the lines already read are written before the server line and the
	 * close; otherwise the line is said only if the socket takes it now, and the close is at once.
	 */
	public boolean repliesFirst() {
		return this.repliesFirst;
	}

	/** The value of the {@code reason} tag of {@code echo.connections.closed}: the name, dashed. */
	public String tag() {
		return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
	}

	/**
	 * Move this ending's counter, if it has one: {@code echo.errors{type}}, or for a refusal
	 * after admission {@code echo.connections.rejected{reason}}.
	 * @param registry the registry that counts
	 * @param connection the connection that ends
	 */
	public void count(ConnectionRegistry registry, TrackedConnection connection) {
		if (this.counter != null) {
			this.counter.accept(registry, connection);
		}
	}

}
