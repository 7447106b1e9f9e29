package io.github.echoserver.connections;

/**
 * Why a connection was refused with {@code server busy#}; the {@code reason} tag of
 * {@code echo.connections.rejected}.
 */
public enum RejectionReason {

	/** {@code echo.max-connections} connections were already open. */
	TOO_MANY_CONNECTIONS("too-many-connections"),

	/** Every worker was busy and the waiting queue was full ({@code pooled} with blocking I/O). */
	POOL_FULL("pool-full");

	private final String tag;

	RejectionReason(String tag) {
		this.tag = tag;
	}

	/** The value of the metric's {@code reason} tag. */
	public String tag() {
		return this.tag;
	}

}
