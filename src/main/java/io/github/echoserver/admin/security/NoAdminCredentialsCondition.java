package io.github.echoserver.admin.security;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code spring.security.user.password} is not configured, decided as Boot decides
 * it: the properties bound the way Boot binds them, then its own
 * {@link SecurityProperties.User#isPasswordGenerated()} (an empty value counts as none).
 */
class NoAdminCredentialsCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		SecurityProperties security = Binder.get(context.getEnvironment())
			.bindOrCreate("spring.security", SecurityProperties.class);
		return security.getUser().isPasswordGenerated()
				? ConditionOutcome.match("spring.security.user.password is not configured")
				: ConditionOutcome.noMatch("spring.security.user.password is configured");
	}

}
