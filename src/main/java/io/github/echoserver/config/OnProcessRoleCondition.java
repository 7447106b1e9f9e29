package io.github.echoserver.config;

import java.util.Arrays;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition behind {@link ConditionalOnProcessRole}. */
class OnProcessRoleCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnProcessRole.class.getName());
		ProcessRole[] roles = (attributes != null) ? (ProcessRole[]) attributes.get("value") : new ProcessRole[0];
		ProcessRole role = ProcessRole.of(context.getEnvironment());
		String message = "this process is " + role + ", wanted one of " + Arrays.toString(roles);
		return Arrays.asList(roles).contains(role) ? ConditionOutcome.match(message)
				: ConditionOutcome.noMatch(message);
	}

}
