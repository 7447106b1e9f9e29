package io.github.echoserver.connections;

/**
 * Why a connection was refused (with {@code server busy#}, or unanswered when its address is
 * denied); the {@code reason} tag of {@code echo.connections.rejected}.
 */
public enum RejectionReason {

	/** {@code echo.max-connections} connections were already open. */
	TOO_MANY_CONNECTIONS("too-many-connections"),

	/** Every worker was busy and the waiting queue was full ({@code pooled} with blocking I/O). */
	POOL_FULL("pool-full"),

	/** The client's address is in {@code echo.access.deny}, or not in a non-empty {@code echo.access.allow}. */
	DENIED("denied"),

	/** {@code echo.max-connections-per-client} connections from the client's address were already open. */
	PER_CLIENT("per-client");

	private final String tag;

	RejectionReason(String tag) {
		this.tag = tag;
	}

	/** The value of the metric's {@code reason} tag. */
	public String tag() {
		return this.tag;
	}

}
