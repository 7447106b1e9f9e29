package io.github.echoserver.config;

import java.time.Duration;
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
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;

/**
 * Reports an {@code echo.*} value that cannot be read as its type (an unknown choice, a duration,
 * size, number or boolean that does not parse) as the same one line as
 * {@link InvalidEchoPropertyException}: the key, the value and what the key accepts, with choices
 * spelled as users write them ({@code per-connection}, not {@code PER_CONNECTION}). Runs before
 * Boot's general bind analyzer, whose report spans a dozen lines and names Java types.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnreadableValueFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		String name = cause.getName().toString();
		Class<?> type = cause.getTarget().getType().resolve();
		ConfigurationProperty property = cause.getProperty();
		// A value that converted but was refused by EchoProperties is InvalidEchoPropertyFailureAnalyzer's.
		if (!name.startsWith("echo.") || type == null || property == null
				|| findCause(cause, ConversionFailedException.class) == null) {
			return null;
		}
		String allowed = allowed(type);
		if (allowed == null) {
			return null;
		}
		return new FailureAnalysis(InvalidEchoPropertyException.message(name, property.getValue(), allowed),
				"Set " + name + " to " + allowed + " in application.yml, with --" + name
						+ "=..., or through the environment.",
				cause);
	}

	/**
	 * What a key of {@code type} accepts, in the words of the README's Configuration table; null
	 * for a type we do not describe.
	 */
	private static @Nullable String allowed(Class<?> type) {
		if (type.isEnum()) {
			return "one of " + Arrays.stream(type.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
				.collect(Collectors.joining(", "));
		}
		if (type == Duration.class) {
			return "a duration such as 30s, 5m or 0";
		}
		if (type == DataSize.class) {
			return "a size such as 512B, 64KB or 8MB";
		}
		if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
			return "a whole number";
		}
		if (type == boolean.class || type == Boolean.class) {
			return "true or false";
		}
		return null;
	}

}
