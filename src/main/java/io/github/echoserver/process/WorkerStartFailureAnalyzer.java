package io.github.echoserver.process;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a worker that failed to start as one line, with the worker's own reason. */
class WorkerStartFailureAnalyzer extends AbstractFailureAnalyzer<WorkerStartException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, WorkerStartException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"A worker runs with the supervisor's java options and arguments: its output above shows the "
						+ "whole failure. echo.processes=1 serves in one process.",
				cause);
	}

}
