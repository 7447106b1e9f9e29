package io.github.echoserver.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidEchoPropertyException} as Boot's "APPLICATION FAILED TO START" block
 * whose description is one line naming the property and the allowed values, instead of a stack
 * trace through the binder.
 */
class InvalidEchoPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidEchoPropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidEchoPropertyException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Set " + cause.getProperty() + " to an allowed value in application.yml, "
						+ "with --" + cause.getProperty() + "=..., or through the environment.",
				cause);
	}

}
