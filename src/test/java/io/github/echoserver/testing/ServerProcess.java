package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;

/**
 * The application started as a child JVM serving in one process, seen from outside as an
 * operator sees it: its console, the ports it says it listens on, its admin HTTP API, SIGTERM
 * and its exit status. {@link #close()} kills it if it is still alive, by its own pid.
 */
public final class ServerProcess implements AutoCloseable {

	/** The server's line once it listens; group 1 the port. */
	private static final Pattern LISTENING = Pattern.compile("Echo server listening on 127\\.0\\.0\\.1:(\\d+) ");

	private final ChildApplication child;

	private ServerProcess(Process process) {
		this.child = new ChildApplication(process, "server", LISTENING, (line) -> {
		});
	}

	/**
	 * Start the application on free loopback ports.
	 * @param properties {@code name=value} pairs, as {@link RunningServer#arguments(String...)}
	 * makes them arguments
	 * @return the started process; see {@link #awaitListening(Duration)}
	 */
	public static ServerProcess start(String... properties) {
		return launch(new ProcessBuilder(ChildConsole.command(List.of(), properties)));
	}

	/**
	 * Start the application on free loopback ports with at most {@code limit} open files: the
	 * {@code ulimit -n} of its own process (soft and hard, so that the JVM cannot raise it), set
	 * by a shell that then becomes the JVM, so that its pid is the JVM's.
	 * @param limit the most file descriptors the child may hold
	 * @param jvmOptions options of the child JVM
	 * @param properties {@code name=value} pairs, as {@link #start(String...)} takes them
	 * @return the started process; see {@link #awaitListening(Duration)}
	 */
	public static ServerProcess startWithDescriptorLimit(int limit, List<String> jvmOptions, String... properties) {
		String java = ChildConsole.command(jvmOptions, properties)
			.stream()
			.map(ServerProcess::quoted)
			.collect(Collectors.joining(" "));
		return launch(new ProcessBuilder("bash", "-c", "ulimit -n " + limit + " && exec " + java));
	}

	/**
	 * Start the application on free loopback ports with an environment of its own: the tests'
	 * without any {@code ECHO_*} variable (so that one set where the tests run cannot change what
	 * a test sees), and {@code environment}.
	 * @param jvmOptions options of the child JVM, e.g. {@code -Dname=value}
	 * @param environment variables added to the child's environment
	 * @param properties {@code name=value} pairs, as {@link #start(String...)} takes them
	 * @return the started process; see {@link #awaitListening(Duration)}
	 */
	public static ServerProcess startWithEnvironment(List<String> jvmOptions, Map<String, String> environment,
			String... properties) {
		ProcessBuilder builder = new ProcessBuilder(ChildConsole.command(jvmOptions, properties));
		builder.environment().keySet().removeIf((name) -> name.toUpperCase(Locale.ROOT).startsWith("ECHO_"));
		builder.environment().putAll(environment);
		return launch(builder);
	}

	/** Start the child {@code builder} describes, its errors merged into its output. */
	private static ServerProcess launch(ProcessBuilder builder) {
		try {
			return new ServerProcess(builder.redirectErrorStream(true).start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** One word for bash, whatever it holds. */
	private static String quoted(String word) {
		return "'" + word.replace("'", "'\\''") + "'";
	}

	/**
	 * Wait until the server says it listens and its admin port is known.
	 * @throws AssertionError when it does not, with its output
	 */
	public ServerProcess awaitListening(Duration timeout) {
		this.child.awaitListening(timeout);
		return this;
	}

	/** The echo port. */
	public int tcpPort() {
		return this.child.tcpPort();
	}

	/** {@code GET} on the admin API, e.g. {@code get("/actuator/echo")}, whatever its status. */
	public HttpResponse<String> get(String path) {
		return this.child.get(path, ChildApplication.HTTP_TIMEOUT);
	}

	/** {@code GET /actuator/echo/connections}, which must answer 200: one entry per open connection. */
	public JsonNode connections() {
		return AdminApi.json(get("/actuator/echo/connections"));
	}

	/** SIGTERM: the server drains and exits. */
	public void terminate() {
		this.child.terminate();
	}

	/**
	 * Wait until the process has exited, at most {@code timeout}, and then for its output to be read to the end.
	 * @return whether it exited in time
	 */
	public boolean awaitExit(Duration timeout) {
		return this.child.awaitExit(timeout);
	}

	/** The exit status; the process must have exited. */
	public int exitValue() {
		return this.child.exitValue();
	}

	/** The lines of the console so far. */
	public List<String> lines() {
		return this.child.lines();
	}

	/** The whole console so far, for a failure message. */
	public String output() {
		return this.child.output();
	}

	/** Kill the process if it is still alive. */
	@Override
	public void close() {
		this.child.close();
	}

}
