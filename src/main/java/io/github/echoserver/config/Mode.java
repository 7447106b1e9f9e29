package io.github.echoserver.config;

/**
 * How connections are given threads ({@code echo.mode}); see the README's "The models".
 */
public enum Mode {

	/** One worker: one client at a time (blocking) or one event loop for all (nio). */
	SINGLE,

	/** A new thread for every connection; blocking I/O only. */
	PER_CONNECTION,

	/** A fixed pool of {@code echo.pool.size} workers with a bounded queue. */
	POOLED;

	/** The name users write in {@code application.yml}, e.g. {@code per-connection}. */
	public String value() {
		return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
	}

}
