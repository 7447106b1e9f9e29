package io.github.echoserver.config;

import org.jspecify.annotations.Nullable;

/**
 * Thrown while binding {@link EchoProperties} when a value, or a combination of values, cannot
 * work. {@link InvalidEchoPropertyFailureAnalyzer} turns it into a one-line startup error.
 */
public class InvalidEchoPropertyException extends IllegalArgumentException {

	private final String property;

	private final String allowed;

	public InvalidEchoPropertyException(String property, Object value, String allowed) {
		super(message(property, value, allowed));
		this.property = property;
		this.allowed = allowed;
	}

	/**
	 * The one line of a startup failure for {@code value} of {@code property}, also used for values
	 * that do not even convert to the property's type ({@link UnreadableValueFailureAnalyzer}).
	 */
	static String message(String property, @Nullable Object value, String allowed) {
		return "Invalid value '%s' for %s: %s".formatted(value, property, allowed);
	}

	/** The full property name, e.g. {@code echo.pool.size}. */
	public String getProperty() {
		return this.property;
	}

	/** What the property accepts, in words a user can act on. */
	public String getAllowed() {
		return this.allowed;
	}

}
