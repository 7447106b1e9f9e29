package io.github.echoserver.server;

import java.net.BindException;

import org.jspecify.annotations.Nullable;

/**
 * The TCP listener could not be opened, typically because the address and port are in use.
 * Reported at startup as one line by {@link ListenerStartFailureAnalyzer}.
 */
public class ListenerStartException extends RuntimeException {

	private final String address;

	private final int port;

	public ListenerStartException(String address, int port, @Nullable Throwable cause) {
		super("Cannot listen on " + address + ":" + port + ": " + describe(cause), cause);
		this.address = address;
		this.port = port;
	}

	private static String describe(@Nullable Throwable cause) {
		if (cause instanceof BindException) {
			// "Address already in use", or "Cannot assign requested address" for a non-local address.
			return cause.getMessage() + " (echo.address / echo.port)";
		}
		return (cause != null) ? String.valueOf(cause.getMessage()) : "unknown failure";
	}

	public String getAddress() {
		return this.address;
	}

	public int getPort() {
		return this.port;
	}

}
