package io.github.echoserver.process;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The supervisor's stop, as one record: when it began, whether its processes were asked to
 * drain (SIGTERM) or killed (a failed start), and the exit status of each process in it, for its
 * first and last log lines. Only the supervisor's thread uses it.
 */
final class Drain {

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private final boolean graceful;

	private final long began = System.nanoTime();

	/** Each slot that had a process when the stop began, in slot order, with its exit status once known. */
	private final Map<Worker, String> statuses = new LinkedHashMap<>();

	Drain(boolean graceful) {
		this.graceful = graceful;
	}

	/** {@code worker}'s process is in this stop. */
	void draining(Worker worker) {
		this.statuses.put(worker, "still running");
	}

	/** {@code worker}'s process exited with {@code status}. */
	void exited(Worker worker, int status) {
		this.statuses.put(worker, String.valueOf(status));
	}

	/** The first line: how many processes drain, within how long. */
	void logBegun(Duration shutdownTimeout) {
		if (this.graceful) {
			logger.info("Stopping " + workers() + " worker processes" + standby() + "; each drains its connections within "
					+ shutdownTimeout.toMillis() + " ms");
		}
	}

	/** The last line: how long it took, and each process's exit status. */
	void logEnded() {
		if (this.graceful) {
			String statuses = this.statuses.entrySet()
				.stream()
				.map((entry) -> ((entry.getKey().index() == 0) ? "standby" : String.valueOf(entry.getKey().index()))
						+ ": " + entry.getValue())
				.collect(Collectors.joining(", "));
			// The workers' last lines (their drain) come before this one: each exit waited for them.
			logger.info("Stopped " + workers() + " worker processes" + standby() + " in "
					+ (System.nanoTime() - this.began) / 1_000_000 + " ms (exit status " + statuses + ")");
		}
	}

	private long workers() {
		return this.statuses.keySet().stream().filter((worker) -> worker.index() != 0).count();
	}

	private String standby() {
		return this.statuses.keySet().stream().anyMatch((worker) -> worker.index() == 0) ? " and the standby" : "";
	}

}
