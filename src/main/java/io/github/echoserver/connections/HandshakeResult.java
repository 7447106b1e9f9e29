package io.github.echoserver.connections;

/** How a TLS handshake ended; the {@code result} tag of {@code echo.tls.handshakes}. */
public enum HandshakeResult {

	/** Completed: the connection is served. */
	OK,

	/** The client sent something other than a valid handshake, or its certificate was refused. */
	FAILED,

	/** Not completed within {@code echo.ssl.handshake-timeout}. */
	TIMEOUT;

	/** The value of the metric's {@code result} tag. */
	public String tag() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
