package io.github.echoserver.testing;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application started as a child JVM, as {@link ServerProcess} and {@link SupervisorProcess}
 * both see it: its process, its console, the echo and admin ports it says it listens on, requests
 * to its admin API, SIGTERM and its exit. What the two have in common lives here once; each adds
 * what is its own (the supervisor its workers).
 */
final class ChildApplication {

	/** The admin web server's line; group 1 its port. */
	private static final Pattern ADMIN = Pattern.compile("Tomcat started on port (\\d+)");

	/** How long an admin request may take unless a test says otherwise. */
	static final Duration HTTP_TIMEOUT = Duration.ofSeconds(20);

	private final Process process;

	/** What the child is, for failure messages and the console's thread: "server", "supervisor". */
	private final String role;

	private final CompletableFuture<Integer> tcpPort = new CompletableFuture<>();

	private final CompletableFuture<Integer> httpPort = new CompletableFuture<>();

	private final ChildConsole console;

	/**
	 * Start reading the console of {@code process}, just started.
	 * @param process the child, its error stream redirected to its output
	 * @param role what the child is, e.g. {@code "server"}
	 * @param listening the line the child writes once it listens; group 1 the echo port
	 * @param onLine called on the console's thread with each line, before the ports are read from it
	 */
	ChildApplication(Process process, String role, Pattern listening, Consumer<String> onLine) {
		this.process = process;
		this.role = role;
		this.console = new ChildConsole(process, "test-" + role + "-output-" + process.pid(), (line) -> {
			onLine.accept(line);
			complete(this.tcpPort, listening.matcher(line));
			complete(this.httpPort, ADMIN.matcher(line));
		});
		this.console.end().whenComplete((done, failure) -> {
			IllegalStateException ended = new IllegalStateException("The " + role + "'s output ended");
			this.tcpPort.completeExceptionally(ended);
			this.httpPort.completeExceptionally(ended);
		});
	}

	private static void complete(CompletableFuture<Integer> port, Matcher matcher) {
		if (!port.isDone() && matcher.find()) {
			port.complete(Integer.parseInt(matcher.group(1)));
		}
	}

	/**
	 * Wait until the child says it listens and its admin port is known, within {@code timeout}
	 * in all.
	 * @throws AssertionError when it does not, with its output
	 */
	void awaitListening(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			this.tcpPort.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			this.httpPort.get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new AssertionError("The " + this.role + " did not listen within " + timeout + ": " + ex.getMessage()
					+ "\n" + output(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The echo port, or -1 before the child has said it. */
	int tcpPort() {
		return this.tcpPort.getNow(-1);
	}

	/** The admin HTTP port, or -1 before the child has said it. */
	int httpPort() {
		return this.httpPort.getNow(-1);
	}

	/** {@code GET} on the admin API, whose response must come within {@code timeout}, whatever its status. */
	HttpResponse<String> get(String path, Duration timeout) {
		return AdminApi.send(HttpRequest.newBuilder(uri(path)).GET(), timeout);
	}

	/** {@code DELETE} on the admin API, whatever its status. */
	HttpResponse<String> delete(String path) {
		return AdminApi.send(HttpRequest.newBuilder(uri(path)).DELETE(), HTTP_TIMEOUT);
	}

	/** Any request on the admin API, {@code headers} as name and value pairs, whatever its status. */
	HttpResponse<String> send(String method, String path, String... headers) {
		return AdminApi.send(AdminApi.request(uri(path), method, headers), HTTP_TIMEOUT);
	}

	private URI uri(String path) {
		assertThat(httpPort()).as("the admin port is known: await listening first").isPositive();
		return URI.create("http://127.0.0.1:" + httpPort() + path);
	}

	/** SIGTERM. */
	void terminate() {
		// Not Process.destroy(): on Linux it closes the pipe of the output still to be read.
		this.process.toHandle().destroy();
	}

	/** SIGKILL, without waiting for the end. */
	void kill() {
		this.process.toHandle().destroyForcibly();
	}

	/**
	 * Wait until the process has exited, at most {@code timeout}, and then for its output to be
	 * read to the end.
	 * @return whether it exited in time
	 */
	boolean awaitExit(Duration timeout) {
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
	int exitValue() {
		return this.process.exitValue();
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	long pid() {
		return this.process.pid();
	}

	/** The lines of the console so far. */
	List<String> lines() {
		return this.console.lines();
	}

	/** The whole console so far, for a failure message. */
	String output() {
		return String.join("\n", lines());
	}

	/** Kill the process by its own pid if it is still alive, and wait for it and its console to end. */
	void close() {
		if (this.process.isAlive()) {
			kill();
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
