package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application started as a child JVM with {@code echo.processes > 1}: a supervisor whose
 * workers are JVMs of their own, seen from outside only, as an operator sees them: its console
 * (its own lines and its workers', relayed), its admin HTTP API, its pid and its workers' pids,
 * signals. {@link #close()} leaves no process behind: the supervisor and every worker it was
 * seen to have are killed if still alive.
 * <p>
 * The child runs with {@link ChildConsole#QUICK_START}, which its workers copy. Its temporary
 * directory (where the control socket lives) is one of its own, removed by {@link #close()}:
 * a supervisor killed with SIGKILL cannot remove its socket itself.
 */
public final class SupervisorProcess implements AutoCloseable {

	/** The supervisor's line once every worker listens; group 1 the port. */
	private static final Pattern LISTENING = Pattern
		.compile("Echo server listening on 127\\.0\\.0\\.1:(\\d+) with \\d+ worker processes");

	/** The pid in a line of Spring Boot's console format, e.g. {@code 2026-12-02T08:04:15.421Z  INFO 6239 --- [...}. */
	private static final Pattern LOG_PID = Pattern.compile("^\\S+\\s+(?:TRACE|DEBUG|INFO|WARN|ERROR)\\s+(\\d+) --- ");

	/** The supervisor's own mention of a worker pid. */
	private static final Pattern WORKER_PID = Pattern.compile("Worker \\d+ .*?\\(pid (\\d+)\\)");

	/** Its pid and children; set before {@link #child}, whose console's thread reads it to note workers. */
	private final Process process;

	private final Path temporaryDirectory;

	/** Every process seen as a worker of this supervisor, by pid, taken while it was alive. */
	private final Map<Long, ProcessHandle> workers = new ConcurrentHashMap<>();

	private final ChildApplication child;

	/** Whether the supervisor keeps a standby worker ({@code echo.standby-process}, on by default). */
	private final boolean standby;

	private SupervisorProcess(Process process, Path temporaryDirectory, boolean standby) {
		this.standby = standby;
		this.process = process;
		this.temporaryDirectory = temporaryDirectory;
		this.child = new ChildApplication(process, "supervisor", LISTENING, this::noteWorker);
	}

	/**
	 * Start the application as a supervisor of {@code processes} workers on free loopback ports.
	 * @param processes {@code echo.processes}
	 * @param properties more {@code name=value} pairs; {@code echo.port}, {@code echo.address}
	 * and {@code server.port} given here replace the defaults (0, 127.0.0.1 and 0)
	 * @return the started process; see {@link #awaitListening(Duration)}
	 */
	public static SupervisorProcess start(int processes, String... properties) {
		Path temporaryDirectory;
		try {
			// Short, in the system's temporary directory: a Unix socket's path has at most 107 bytes.
			temporaryDirectory = Files.createTempDirectory("echo-test-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		List<String> jvmOptions = new ArrayList<>(ChildConsole.QUICK_START);
		jvmOptions.add("-Djava.io.tmpdir=" + temporaryDirectory);
		List<String> command = ChildConsole.command(jvmOptions, Stream
			.concat(Stream.of("echo.processes=" + processes), Arrays.stream(properties))
			.toArray(String[]::new));
		try {
			return new SupervisorProcess(new ProcessBuilder(command).redirectErrorStream(true).start(),
					temporaryDirectory, !command.contains("--echo.standby-process=false"));
		}
		catch (IOException ex) {
			deleteRecursively(temporaryDirectory);
			throw new UncheckedIOException(ex);
		}
	}

	/** A line written by a worker carries its pid; the supervisor's own lines name its workers'. */
	private void noteWorker(String line) {
		Matcher logged = LOG_PID.matcher(line);
		if (logged.find()) {
			noteWorker(Long.parseLong(logged.group(1)));
		}
		Matcher named = WORKER_PID.matcher(line);
		if (named.find()) {
			noteWorker(Long.parseLong(named.group(1)));
		}
	}

	/**
	 * Remember {@code pid} if it is a live child of the supervisor: its handle, taken now, knows
	 * the process's start time, so that it can never signal a later process that reuses the pid.
	 */
	private void noteWorker(long pid) {
		if (pid == this.process.pid() || this.workers.containsKey(pid)) {
			return;
		}
		ProcessHandle.of(pid)
			.filter((handle) -> handle.parent().map(ProcessHandle::pid).orElse(-1L) == this.process.pid())
			.ifPresent((handle) -> this.workers.putIfAbsent(pid, handle));
	}

	/**
	 * Wait until the supervisor says that every worker listens and its admin port is known.
	 * @throws AssertionError when it does not, with its output
	 */
	public SupervisorProcess awaitListening(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		this.child.awaitListening(timeout);
		// The standby starts once the workers listen: awaited too, so that the tests see a settled
		// set of processes and no JVM start takes the CPU from them.
		if (this.standby) {
			await().atMost(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)).plusSeconds(1))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> lines().stream().anyMatch((line) -> line.contains("Standby worker ready")));
		}
		return this;
	}

	/** The standby's pid, from the {@code echo} health component; null when there is no standby now. */
	public @Nullable Long standbyPid() {
		JsonNode pid = health().at("/components/echo/details/standbyPid");
		if (!pid.isNumber()) {
			return null;
		}
		noteWorker(pid.asLong());
		return pid.asLong();
	}

	/** The child processes the supervisor should have: its workers' and its standby's. */
	public List<Long> expectedChildren() {
		List<Long> expected = new ArrayList<>(workerPids().values());
		Long standby = standbyPid();
		if (standby != null) {
			expected.add(standby);
		}
		return expected.stream().sorted().toList();
	}

	/**
	 * Wait until the supervisor has exited and its output has been read to the end.
	 * @return its exit status
	 * @throws AssertionError when it is still running after {@code timeout}
	 */
	public int awaitExit(Duration timeout) {
		boolean exited = this.child.awaitExit(timeout);
		assertThat(exited).as("the supervisor (pid %d) exited within %s; its output:%n%s", pid(), timeout, output())
			.isTrue();
		return this.child.exitValue();
	}

	/** The echo port every worker listens on. */
	public int tcpPort() {
		return this.child.tcpPort();
	}

	/** The admin HTTP port, on the supervisor only. */
	public int httpPort() {
		return this.child.httpPort();
	}

	/** Whether the supervisor's process still runs. */
	public boolean isAlive() {
		return this.child.isAlive();
	}

	/** The supervisor's pid. */
	public long pid() {
		return this.process.pid();
	}

	/** {@code GET} on the admin API, e.g. {@code get("/actuator/echo")}. */
	public HttpResponse<String> get(String path) {
		return get(path, ChildApplication.HTTP_TIMEOUT);
	}

	/** {@code GET} on the admin API, whose response must come within {@code timeout}. */
	public HttpResponse<String> get(String path, Duration timeout) {
		return this.child.get(path, timeout);
	}

	/** {@code DELETE} on the admin API. */
	public HttpResponse<String> delete(String path) {
		return this.child.delete(path);
	}

	/**
	 * Any request on the admin API, whatever its status.
	 * @param headers name and value pairs, e.g. {@link AdminApi#basic(String, String)}
	 */
	public HttpResponse<String> send(String method, String path, String... headers) {
		return this.child.send(method, path, headers);
	}

	/** {@code GET /actuator/echo}, which must answer 200. */
	public JsonNode echo() {
		return AdminApi.json(get("/actuator/echo"));
	}

	/** {@code GET /actuator/echo/connections}, which must answer 200. */
	public JsonNode connections() {
		return AdminApi.json(get("/actuator/echo/connections"));
	}

	/** {@code GET /actuator/health}, whatever its status (503 when DOWN). */
	public JsonNode health() {
		return AdminApi.parse(get("/actuator/health").body());
	}

	/** {@code GET /actuator/prometheus}, which must answer 200. */
	public String prometheus() {
		HttpResponse<String> response = get("/actuator/prometheus");
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	/**
	 * The pid of each worker that has a process now, by worker index, as {@code GET
	 * /actuator/echo} reports it.
	 */
	public Map<Integer, Long> workerPids() {
		Map<Integer, Long> pids = new LinkedHashMap<>();
		for (JsonNode worker : echo().path("processes")) {
			if (worker.path("pid").isNumber()) {
				long pid = worker.path("pid").asLong();
				noteWorker(pid);
				pids.put(worker.path("index").asInt(), pid);
			}
		}
		return pids;
	}

	/** The supervisor's live child processes, as the operating system sees them: its workers. */
	public List<Long> children() {
		List<Long> children = this.process.toHandle().children().map(ProcessHandle::pid).sorted().toList();
		children.forEach(this::noteWorker);
		return children;
	}

	/** Every worker pid seen so far (in the output, the admin API or as a child), dead or alive. */
	public List<Long> seenWorkerPids() {
		return this.workers.keySet().stream().sorted().toList();
	}

	/** The workers seen so far that are still alive. */
	public List<Long> liveWorkerPids() {
		return this.workers.values().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).sorted().toList();
	}

	/** SIGTERM to the supervisor: it stops its workers, each drains, and it exits. */
	public void terminate() {
		this.child.terminate();
	}

	/** SIGKILL to the supervisor: it has no chance to stop its workers. */
	public void kill() {
		this.child.kill();
	}

	/** SIGKILL to one of the supervisor's workers, which must still be alive. */
	public void killWorker(long pid) {
		noteWorker(pid);
		ProcessHandle worker = this.workers.get(pid);
		assertThat(worker).as("pid %d is a worker of the supervisor %d", pid, pid()).isNotNull();
		assertThat(worker.destroyForcibly()).as("SIGKILL sent to worker pid %d", pid).isTrue();
	}

	/**
	 * Stop worker {@code pid} (or the standby) with SIGSTOP, as a hung process: alive, holding
	 * its socket, doing nothing.
	 */
	public void stopWorker(long pid) {
		noteWorker(pid);
		assertThat(this.workers.get(pid)).as("pid %d is a worker of the supervisor %d", pid, pid()).isNotNull();
		signal("STOP", pid);
	}

	/**
	 * A signal to the supervisor and to each of its live child processes at once, as Ctrl+C in a
	 * terminal sends SIGINT to the whole process group (which here is the tests' own).
	 * @param name the signal's name for {@code kill}, e.g. {@code INT}
	 */
	public void signalAll(String name) {
		List<Long> pids = new ArrayList<>(children());
		pids.add(0, pid());
		signal(name, pids.stream().mapToLong(Long::longValue).toArray());
	}

	/** {@code kill -NAME pid...}: the JDK sends only SIGTERM and SIGKILL. */
	private static void signal(String name, long... pids) {
		List<String> command = new ArrayList<>(List.of("kill", "-" + name));
		Arrays.stream(pids).mapToObj(String::valueOf).forEach(command::add);
		String pid = command.subList(2, command.size()).toString();
		try {
			Process kill = new ProcessBuilder(command).inheritIO().start();
			assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s %s ended", name, pid).isTrue();
			assertThat(kill.exitValue()).as("kill -%s %s", name, pid).isZero();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The lines of the supervisor's console so far: its own and its workers', relayed. */
	public List<String> lines() {
		return this.child.lines();
	}

	/** The lines of the console so far that contain {@code text}. */
	public List<String> linesContaining(String text) {
		return lines().stream().filter((line) -> line.contains(text)).toList();
	}

	/** The lines of the console so far written by the supervisor itself (its pid in Boot's log format). */
	public List<String> ownLines() {
		return lines().stream().filter((line) -> {
			Matcher logged = LOG_PID.matcher(line);
			return logged.find() && Long.parseLong(logged.group(1)) == pid();
		}).toList();
	}

	/** The whole console so far, for a failure message. */
	public String output() {
		return this.child.output();
	}

	/**
	 * Kill the supervisor, then every worker seen that is still alive, each by its own pid; then
	 * remove the temporary directory they shared.
	 */
	@Override
	public void close() {
		children();
		this.child.close();
		for (ProcessHandle worker : this.workers.values()) {
			if (worker.isAlive()) {
				worker.destroyForcibly();
				worker.onExit().completeOnTimeout(worker, 30, TimeUnit.SECONDS).join();
			}
		}
		deleteRecursively(this.temporaryDirectory);
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// Already gone, or not ours to empty: nothing to do.
		}
	}

}
