package io.github.echoserver.connections;

import java.util.function.ToLongFunction;

/**
 * Why a connection was closed for breaking a rule or after a failure, or why none could be
 * accepted; the {@code type} tag of {@code echo.errors}.
 */
public enum ErrorType {

	/** A line longer than {@code echo.max-line-length}. */
	LINE_TOO_LONG("line-too-long", ConnectionRegistry::linesTooLong),

	/** A fault inside the server. */
	INTERNAL("internal", ConnectionRegistry::internalErrors),

	/** A reply that could not be written within {@code echo.write-timeout}. */
	WRITE_TIMEOUT("write-timeout", ConnectionRegistry::writeTimeouts),

	/**
	 * Accepting a connection failed while the listener was open (out of file descriptors, most
	 * often): counts failed attempts, not connections; the accept loop pauses and carries on.
	 */
	ACCEPT("accept", ConnectionRegistry::acceptFailures);

	private final String tag;

	private final ToLongFunction<ConnectionRegistry> count;

	ErrorType(String tag, ToLongFunction<ConnectionRegistry> count) {
		this.tag = tag;
		this.count = count;
	}

	/** The value of the metric's {@code type} tag. */
	public String tag() {
		return this.tag;
	}

	/** How many connections of {@code registry} ended this way (for {@link #ACCEPT}, failed accepts). */
	public long count(ConnectionRegistry registry) {
		return this.count.applyAsLong(registry);
	}

}
