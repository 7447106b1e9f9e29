package io.github.echoserver.admin.security;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link AdminCredentialsMissingException} as one line saying what to set, instead
 * of a stack trace through the creation of the security filter chain.
 */
class AdminCredentialsFailureAnalyzer extends AbstractFailureAnalyzer<AdminCredentialsMissingException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, AdminCredentialsMissingException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Set spring.security.user.name and spring.security.user.password in application.yml (README, "
						+ "Security: The admin API), or set " + cause.getProperty() + " to 127.0.0.1.",
				cause);
	}

}
