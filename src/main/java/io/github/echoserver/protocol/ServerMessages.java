package io.github.echoserver.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The lines the server says on its own behalf, all of the form {@code server <word># <text>} CR
 * LF (the README's Protocol section). The wording lives here and nowhere else.
 */
public final class ServerMessages {

	/** Refused because {@code echo.max-connections} connections are open. */
	public static final byte[] TOO_MANY_CONNECTIONS = busy("too many connections");

	/** Refused because {@code echo.max-connections-per-client} connections from the client's address are open. */
	public static final byte[] TOO_MANY_CONNECTIONS_FROM_ADDRESS = busy("too many connections from your address");

	/** Refused because every worker is busy and the waiting queue is full. */
	public static final byte[] POOL_FULL = busy("all workers busy, try again later");

	/** The connection sent nothing for {@code echo.idle-timeout}. */
	public static final byte[] IDLE_TIMEOUT = bye("idle timeout");

	/** The client held an unfinished line for {@code echo.line-timeout}. */
	public static final byte[] LINE_TIMEOUT = bye("line timeout");

	/** The server is draining on SIGTERM. */
	public static final byte[] SHUTTING_DOWN = bye("shutting down");

	/** A telnet user pressed Ctrl+C (IAC IP) or Break (IAC BRK). */
	public static final byte[] INTERRUPTED = bye("interrupted");

	/** An operator closed the connection through the admin API. */
	public static final byte[] CLOSED_BY_ADMINISTRATOR = bye("closed by administrator");

	/** Handling the connection failed inside the server; only this connection is closed. */
	public static final byte[] INTERNAL_ERROR = error("internal error");

	private ServerMessages() {
	}

	/** {@code server busy# <text>}: the connection is refused. */
	public static byte[] busy(String text) {
		return line("busy", text);
	}

	/** {@code server bye# <text>}: the server is closing the connection. */
	public static byte[] bye(String text) {
		return line("bye", text);
	}

	/** {@code server error# <text>}: the client broke a rule, or the server failed. */
	public static byte[] error(String text) {
		return line("error", text);
	}

	/** {@code server error# line too long (max N bytes)}. */
	public static byte[] lineTooLong(int maxLineLength) {
		return error("line too long (max " + maxLineLength + " bytes)");
	}

	private static byte[] line(String word, String text) {
		return ("server " + word + "# " + text + "\r\n").getBytes(StandardCharsets.UTF_8);
	}

}
