package io.github.echoserver.config;

import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reports keys under {@code echo.} that no property has (a typo, or a property of another
 * version) in one line naming each with the known key closest to it, {@code Unknown property
 * echo.mdoe; did you mean echo.mode?}, and says in the action where each came from and which keys
 * there are. Runs before Boot's own analyzer for unbound properties, whose report spans a block
 * per key and names no alternative.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnknownEchoPropertyFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, UnboundConfigurationPropertiesException cause) {
		List<ConfigurationProperty> unknown = cause.getUnboundProperties()
			.stream()
			.filter((property) -> property.getName().toString().startsWith("echo."))
			.toList();
		if (unknown.isEmpty()) {
			return null;
		}
		return new FailureAnalysis(description(unknown), action(unknown), cause);
	}

	private static String description(List<ConfigurationProperty> unknown) {
		if (unknown.size() == 1) {
			String name = unknown.get(0).getName().toString();
			return "Unknown property " + name
					+ EchoPropertyNames.closestTo(name).map((known) -> "; did you mean " + known + "?").orElse("");
		}
		return "Unknown properties " + unknown.stream().map((property) -> {
			String name = property.getName().toString();
			return name + EchoPropertyNames.closestTo(name).map((known) -> " (did you mean " + known + "?)").orElse("");
		}).collect(Collectors.joining(", "));
	}

	private static String action(List<ConfigurationProperty> unknown) {
		StringBuilder action = new StringBuilder("Correct or remove ");
		action.append(unknown.stream()
			.map((property) -> property.getName() + ((property.getOrigin() != null) ? " (" + property.getOrigin() + ")" : ""))
			.collect(Collectors.joining(", ")));
		action.append(". The echo.* keys are ").append(String.join(", ", EchoPropertyNames.known())).append('.');
		return action.toString();
	}

}
