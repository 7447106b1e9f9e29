package io.github.echoserver.process;

import org.jspecify.annotations.Nullable;

/**
 * A worker process ended before it listened, or did not listen in time, while the supervisor
 * started: startup stops, and {@link WorkerStartFailureAnalyzer} reports it in one line with the
 * line of the worker's output that says why.
 */
public class WorkerStartException extends RuntimeException {

	WorkerStartException(int index, String what, @Nullable String reason) {
		super("Worker " + index + " failed to start (" + what + ")" + ((reason != null) ? ": " + reason : ""));
	}

}
