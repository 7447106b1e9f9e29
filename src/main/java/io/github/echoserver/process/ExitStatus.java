package io.github.echoserver.process;

import java.util.Map;

/** A process's exit status as a person reads it: {@code 137} is {@code status 137 (SIGKILL)}. */
final class ExitStatus {

	/** The JDK reports a process killed by signal {@code n} as exit status {@code 128 + n}. */
	private static final int SIGNALLED = 128;

	private static final Map<Integer, String> SIGNALS = Map.of(1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 4, "SIGILL", 6,
			"SIGABRT", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

	private ExitStatus() {
	}

	static String describe(int status) {
		String signal = (status > SIGNALLED) ? SIGNALS.get(status - SIGNALLED) : null;
		return "status " + status + ((signal != null) ? " (" + signal + ")" : "");
	}

}
