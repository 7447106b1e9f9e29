package io.github.echoserver.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What the load does with its connections ({@code --mode}); the modes of the anchors' loadgen.
 */
enum BenchMode {

	/** Long-lived connections, each keeping {@code --pipeline} lines in flight. */
	ECHO,

	/** Connection churn: connect, send one line, verify the reply, close, and again. */
	CONNECT,

	/** Open every connection and verify it, keep them idle for the duration, verify them again. */
	HOLD,

	/**
	 * Slowloris: every connection sends one byte at a time, never a line end, and is reopened
	 * when the server closes it.
	 */
	TRICKLE;

	/** The name users write, e.g. {@code echo}. */
	String value() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** Reads the names users write; picocli alone would want {@code ECHO}. */
	static final class Converter implements ITypeConverter<BenchMode> {

		@Override
		public BenchMode convert(String value) {
			return Arrays.stream(values())
				.filter((mode) -> mode.value().equals(value))
				.findFirst()
				.orElseThrow(() -> new TypeConversionException("'" + value + "' is not one of "
						+ Arrays.stream(values()).map(BenchMode::value).collect(Collectors.joining(", "))));
		}

	}

}
