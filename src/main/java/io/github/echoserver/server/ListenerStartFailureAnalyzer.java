package io.github.echoserver.server;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a listener that could not bind as one line naming the address and port.
 */
class ListenerStartFailureAnalyzer extends AbstractFailureAnalyzer<ListenerStartException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ListenerStartException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Stop the process that holds " + cause.getAddress() + ":" + cause.getPort()
						+ ", or set echo.port (0 picks a free port) or echo.address.",
				cause);
	}

}
