package io.github.echoserver.config;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import org.springframework.core.env.Environment;

/**
 * Who a worker process is, as its supervisor tells it through the environment: which worker
 * ({@code ECHO_WORKER_INDEX}, from 1; 0 for the standby, which starts without listening and
 * takes the place of the next worker that dies), which start of that worker this is ({@code ECHO_WORKER_START},
 * 0 for the first, then one more per restart), and where the supervisor's control socket is
 * ({@code ECHO_WORKER_CONTROL_SOCKET}, a Unix domain socket in a directory only this user may
 * enter). Environment variables keep the worker's command line the user's own.
 *
 * @param index the worker's number, from 1; 0 for the standby
 * @param start 0 for the worker's first start, n for its n-th restart
 * @param controlSocket the supervisor's control socket
 */
public record WorkerIdentity(int index, int start, Path controlSocket) {

	/** Environment variable (property {@code echo.worker.index}): the worker's number. */
	public static final String INDEX_VARIABLE = "ECHO_WORKER_INDEX";

	/** Environment variable (property {@code echo.worker.start}): how many times this worker was restarted. */
	public static final String START_VARIABLE = "ECHO_WORKER_START";

	/** Environment variable (property {@code echo.worker.control-socket}): the supervisor's control socket. */
	public static final String CONTROL_SOCKET_VARIABLE = "ECHO_WORKER_CONTROL_SOCKET";

	private static final String INDEX = "echo.worker.index";

	/** Whether this is the standby: started, not listening, waiting to replace a worker. */
	public boolean standby() {
		return this.index == 0;
	}

	static boolean isWorker(Environment environment) {
		return environment.containsProperty(INDEX);
	}

	/**
	 * This process's identity as a worker.
	 * @param environment the application's environment
	 * @return the identity, or {@code null} when this process is not a worker
	 * @throws InvalidEchoPropertyException when the supervisor's variables are incomplete
	 */
	public static @Nullable WorkerIdentity of(Environment environment) {
		if (!isWorker(environment)) {
			return null;
		}
		String socket = environment.getProperty("echo.worker.control-socket", "");
		if (socket.isBlank()) {
			throw new InvalidEchoPropertyException("echo.worker.control-socket", socket,
					"the supervisor's control socket: a worker is started by its supervisor (echo.processes > 1), "
							+ "not by hand");
		}
		return new WorkerIdentity(number(environment, INDEX), number(environment, "echo.worker.start"), Path.of(socket));
	}

	private static int number(Environment environment, String property) {
		String value = environment.getProperty(property, "0");
		try {
			return Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			throw new InvalidEchoPropertyException(property, value, "a whole number, set by the supervisor");
		}
	}

}
