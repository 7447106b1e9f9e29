package io.github.echoserver.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.stereotype.Component;

/**
 * Warns, one line each, of {@code ECHO_*} environment variables and {@code echo.*} system
 * properties that set no {@code echo.*} key. Unlike a key on the command line or in a
 * configuration file, these do not stop startup: the environment and the JVM's properties are
 * shared with other programs (a shell may carry an {@code ECHO_} variable of its own), and Boot's
 * check of unknown keys leaves them out for that reason. The supervisor's variables for its workers
 * ({@link WorkerIdentity}) are known; a worker, which inherits its supervisor's environment, does
 * not repeat the warnings.
 */
@Component
class UnknownEchoVariables implements InitializingBean {

	private static final Log logger = LogFactory.getLog(UnknownEchoVariables.class);

	private static final String VARIABLE_PREFIX = "ECHO_";

	private static final Set<String> WORKER_VARIABLES = Set.of(WorkerIdentity.INDEX_VARIABLE,
			WorkerIdentity.START_VARIABLE, WorkerIdentity.CONTROL_SOCKET_VARIABLE);

	private final ConfigurableEnvironment environment;

	UnknownEchoVariables(ConfigurableEnvironment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		if (ProcessRole.of(this.environment) == ProcessRole.WORKER) {
			return;
		}
		for (String variable : names(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
			if (variable.toUpperCase(Locale.ROOT).startsWith(VARIABLE_PREFIX) && !knownVariable(variable)) {
				String key = variable.toLowerCase(Locale.ROOT).replace('_', '.');
				logger.warn("Unknown environment variable " + variable + " ignored (it would set " + key + ")"
						+ EchoPropertyNames.closestTo(key).map((known) -> "; did you mean " + variableOf(known) + "?")
							.orElse(""));
			}
		}
		for (String property : names(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
			if (property.toLowerCase(Locale.ROOT).startsWith("echo.") && !EchoPropertyNames.isKnown(property)) {
				logger.warn("Unknown system property " + property + " ignored"
						+ EchoPropertyNames.closestTo(property).map((known) -> "; did you mean " + known + "?").orElse(""));
			}
		}
	}

	private List<String> names(String source) {
		PropertySource<?> propertySource = this.environment.getPropertySources().get(source);
		return (propertySource instanceof EnumerablePropertySource<?> enumerable) ? List.of(enumerable.getPropertyNames())
				: List.of();
	}

	/**
	 * Whether {@code variable} sets a key, in either of the forms Boot maps to it:
	 * {@code ECHO_MAXLINELENGTH} or {@code ECHO_MAX_LINE_LENGTH} for {@code echo.max-line-length}.
	 */
	private static boolean knownVariable(String variable) {
		String upper = variable.toUpperCase(Locale.ROOT);
		return WORKER_VARIABLES.contains(upper) || EchoPropertyNames.known()
			.stream()
			.anyMatch((key) -> upper.equals(variableOf(key))
					|| upper.equals(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')));
	}

	/** {@code ECHO_MAXLINELENGTH} for {@code echo.max-line-length}, the form Boot documents. */
	private static String variableOf(String key) {
		return key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
	}

}
