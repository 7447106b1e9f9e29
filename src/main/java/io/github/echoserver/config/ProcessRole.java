package io.github.echoserver.config;

import org.springframework.core.env.Environment;

/**
 * What this process is in the multi-process model (docs/architecture.md): the server itself, the
 * supervisor of worker processes ({@code echo.processes > 1}), or one of those workers. The
 * supervisor tells a worker what it is through {@link WorkerIdentity}'s environment variables,
 * so a worker started with the supervisor's own arguments does not become a supervisor too.
 */
public enum ProcessRole {

	/** {@code echo.processes: 1}: this process listens and serves. */
	SINGLE,

	/** {@code echo.processes > 1}: this process serves no TCP; it runs, watches and reports its workers. */
	SUPERVISOR,

	/** Started by a supervisor: listens with {@code SO_REUSEPORT} and serves, as {@link #SINGLE} does. */
	WORKER;

	/**
	 * The role that the environment gives this process.
	 * @param environment the application's environment, before {@link EchoProperties} is bound
	 * @return the role
	 */
	public static ProcessRole of(Environment environment) {
		if (WorkerIdentity.isWorker(environment)) {
			return WORKER;
		}
		Integer processes;
		try {
			processes = environment.getProperty("echo.processes", Integer.class, 1);
		}
		catch (RuntimeException ex) {
			// Unreadable: the binder reports it in one line when it binds EchoProperties.
			return SINGLE;
		}
		return (processes > 1) ? SUPERVISOR : SINGLE;
	}

}
