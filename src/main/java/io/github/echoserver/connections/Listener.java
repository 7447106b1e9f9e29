package io.github.echoserver.connections;

/**
 * Which listener accepted a connection: the clear-text one on {@code echo.port}, or the TLS one
 * (on {@code echo.ssl.port}, or on {@code echo.port} when TLS is all it serves). The
 * {@code listener} of the admin API and of the metrics.
 */
public enum Listener {

	/** Clear text. */
	PLAIN,

	/** TLS, from the {@code echo.ssl.bundle}. */
	TLS;

	/** The lower-case name used in JSON and as a metric tag. */
	public String value() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
