package io.github.echoserver.testing;

import java.util.regex.Pattern;

/**
 * What the server logs when it drains (the README's Shutdown section), as the tests that read the log
 * look for it: one place to change if the wording changes.
 */
public final class DrainLog {

	/** The drain's last line, e.g. {@code Drained 200 connection(s) in 40 ms}; group 1 the count. */
	public static final Pattern DRAINED = Pattern.compile("Drained (\\d+) connection\\(s\\) in (\\d+) ms");

	/** Logged when connections were still open at {@code echo.shutdown-timeout} and were closed. */
	public static final String TIMED_OUT = "did not finish draining in time";

	private DrainLog() {
	}

}
