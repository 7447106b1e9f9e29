package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application started as a child JVM serving in one process, seen from outside as an
 * operator sees it: its console, the ports it says it listens on, its admin HTTP API, SIGTERM
 * and its exit status. {@link #close()} kills it if it is still alive, by its own pid.
 */
public final class ServerProcess implements AutoCloseable {

	/** The server's line once it listens; group 1 the port. */
	private static final Pattern LISTENING = Pattern.compile("Echo server listening on 127\\.0\\.0\\.1:(\\d+) ");

	/** The admin web server's line; group 1 its port. */
	private static final Pattern ADMIN = Pattern.compile("Tomcat started on port (\\d+)");

	private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(20);

	private final Process process;

	private final ChildConsole console;

	private final CompletableFuture<Integer> tcpPort = new CompletableFuture<>();

	private final CompletableFuture<Integer> httpPort = new CompletableFuture<>();

	private ServerProcess(Process process) {
		this.process = process;
		this.console = new ChildConsole(process, "test-server-output-" + process.pid(), this::read);
		this.console.end().whenComplete((done, failure) -> {
			IllegalStateException ended = new IllegalStateException("The server's output ended");
			this.tcpPort.completeExceptionally(ended);
			this.httpPort.completeExceptionally(ended);
		});
	}

	/**
	 * Start the application on free loopback ports.
	 * @param properties {@code name=value} pairs, as {@link RunningServer#arguments(String...)}
	 * makes them arguments
	 * @return the started process; see {@link #awaitListening(Duration)}
	 */
	public static ServerProcess start(String... properties) {
		List<String> command = ChildConsole.command(List.of(), properties);
		try {
			return new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void read(String line) {
		complete(this.tcpPort, LISTENING.matcher(line));
		complete(this.httpPort, ADMIN.matcher(line));
	}

	private static void complete(CompletableFuture<Integer> port, Matcher matcher) {
		if (!port.isDone() && matcher.find()) {
			port.complete(Integer.parseInt(matcher.group(1)));
		}
	}

	/**
	 * Wait until the server says it listens and its admin port is known.
	 * @throws AssertionError when it does not, with its output
	 */
	public ServerProcess awaitListening(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			this.tcpPort.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			this.httpPort.get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new AssertionError("The server did not listen within " + timeout + ": " + ex.getMessage() + "\n"
					+ output(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		return this;
	}

	/** The echo port. */
	public int tcpPort() {
		return this.tcpPort.getNow(-1);
	}

	/** {@code GET} on the admin API, e.g. {@code get("/actuator/echo")}. */
	public HttpResponse<String> get(String path) {
		int port = this.httpPort.getNow(-1);
		assertThat(port).as("the admin port is known: await listening first").isPositive();
		return AdminApi.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET(),
				HTTP_TIMEOUT);
	}

	/** {@code GET /actuator/echo/connections}, which must answer 200: one entry per open connection. */
	public JsonNode connections() {
		return AdminApi.json(get("/actuator/echo/connections"));
	}

	/** SIGTERM: the server drains and exits. */
	public void terminate() {
		// Not Process.destroy(): on Linux it closes the pipe of the output still to be read.
		this.process.toHandle().destroy();
	}

	/**
	 * Wait until the process has exited, at most {@code timeout}, and then for its output to be read to the end.
	 * @return whether it exited in time
	 */
	public boolean awaitExit(Duration timeout) {
		try {
			boolean exited = this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (exited) {
				this.console.awaitEnd(Duration.ofSeconds(10));
			}
			return exited;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The exit status; the process must have exited. */
	public int exitValue() {
		return this.process.exitValue();
	}

	/** The lines of the console so far. */
	public List<String> lines() {
		return this.console.lines();
	}

	/** The whole console so far, for a failure message. */
	public String output() {
		return String.join("\n", lines());
	}

	/** Kill the process if it is still alive. */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.toHandle().destroyForcibly();
			try {
				this.process.waitFor(30, TimeUnit.SECONDS);
				this.console.awaitEnd(Duration.ofSeconds(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
