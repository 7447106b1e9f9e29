package io.github.echoserver.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reports an unknown value of an {@code echo.*} choice ({@code echo.mode}, {@code echo.io},
 * {@code echo.framing}) as one line with the values users write ({@code per-connection}, not
 * {@code PER_CONNECTION}). Runs before Boot's general bind analyzer, which handles everything else.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EnumValueFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		Class<?> type = cause.getTarget().getType().resolve();
		ConfigurationProperty property = cause.getProperty();
		if (type == null || !type.isEnum() || property == null || !cause.getName().toString().startsWith("echo.")) {
			return null;
		}
		String allowed = Arrays.stream(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.collect(Collectors.joining(", "));
		String name = cause.getName().toString();
		return new FailureAnalysis("Invalid value '" + property.getValue() + "' for " + name + ": one of " + allowed,
				"Set " + name + " to one of " + allowed + " in application.yml, with --" + name
						+ "=..., or through the environment.",
				cause);
	}

}
