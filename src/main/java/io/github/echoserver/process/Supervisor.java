package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.WorkerIdentity;
import io.github.echoserver.server.EchoServerLifecycle;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The supervisor of the multi-process model ({@code echo.processes > 1}): it serves no TCP; it
 * starts {@code processes} workers of this same jar with this same configuration, each binding
 * the port with {@code SO_REUSEPORT} so that the kernel spreads new connections across them.
 * <ul>
 * <li>Start: settle the port (0 becomes one free port for all), open the control socket, start
 * every worker, and return when every one listens, so that a started supervisor is a listening
 * server; a worker that fails meanwhile fails the startup, in one line with its reason.</li>
 * <li>Watch: a worker that exits is logged with its exit status and replaced after a back-off
 * that doubles with each death; the others and their clients are untouched. The replacement is
 * the standby ({@code echo.standby-process}, on by default), a worker process started ahead
 * that only has to bind the port, so the port has all its workers again within milliseconds;
 * a new standby then starts in the background. Without a ready standby, a new worker process
 * starts (seconds: a JVM and a Spring context). A worker that dies {@value #MAX_DEATHS} times
 * within {@link #DEATH_WINDOW} is given up, and the health goes DOWN.</li>
 * <li>Stop (SIGTERM, Ctrl+C): readiness goes down and every worker gets SIGTERM, so each drains
 * as a single process does; a worker still alive past the drain bound is killed.</li>
 * </ul>
 * A worker that stops answering on its control channel for {@link #UNRESPONSIVE_AFTER}
 * (stopped with SIGSTOP, or hung) is killed and replaced like one that died. Workers also leave
 * when the supervisor dies without stopping them ({@code kill -9}): see {@link WorkerAgent}.
 */
public class Supervisor implements SmartLifecycle, DisposableBean {

	/** Deaths within this window count towards giving a worker up. */
	static final Duration DEATH_WINDOW = Duration.ofSeconds(60);

	/** The deaths within {@link #DEATH_WINDOW} after which a worker is not restarted again. */
	static final int MAX_DEATHS = 5;

	/** The back-off after the second death in the window; it doubles with each further one (the first restart is at once). */
	static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

	/** How long every worker may take to listen at startup: JVM starts, on a busy machine, all at once. */
	static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	/** A worker's process gets this long beyond {@code shutdown-timeout} to drain and exit before it is killed. */
	static final Duration EXIT_GRACE = Duration.ofSeconds(10);

	/** How often the meters' copy of each worker's figures is refreshed. */
	static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

	/** How long a worker may take to answer the supervisor. */
	static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * A listening worker that says nothing for this long, while it is asked every second, is
	 * stopped or hung: it is killed and replaced. Left alone, its listening socket would go on
	 * taking its share of new connections, which nobody would ever accept.
	 */
	static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(10);

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private final EchoProperties properties;

	private final String[] arguments;

	private final ApplicationEventPublisher publisher;

	private final List<Worker> workers;

	/** The standby's slot, index 0: empty when {@code echo.standby-process} is off. */
	private final Worker standby = new Worker(0);

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-supervisor");
		thread.setDaemon(true);
		return thread;
	});

	private final CompletableFuture<Void> allListening = new CompletableFuture<>();

	private volatile @Nullable ControlServer control;

	private volatile @Nullable WorkerCommand command;

	private volatile int port;

	private volatile @Nullable Instant since;

	private volatile boolean stopping;

	private volatile boolean running;

	public Supervisor(EchoProperties properties, String[] arguments, ApplicationEventPublisher publisher) {
		this.properties = properties;
		this.arguments = arguments.clone();
		this.publisher = publisher;
		this.workers = IntStream.rangeClosed(1, properties.processes()).mapToObj(Worker::new).toList();
		this.port = properties.port();
	}

	@Override
	public void start() {
		// Ctrl+C reaches the workers too (one process group), and they may exit before the context's
		// shutdown calls stop(): from the first moment of the JVM's shutdown, no worker is replaced.
		Runtime.getRuntime().addShutdownHook(new Thread(() -> this.stopping = true, "echo-supervisor-shutdown"));
		this.port = SharedPort.settle(this.properties);
		try {
			this.control = ControlServer.open(this::read);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open the supervisor's control socket: " + ex.getMessage(), ex);
		}
		this.command = WorkerCommand.of(this.arguments, this.port);
		logger.info("Starting " + this.workers.size() + " worker processes for " + this.properties.address() + ":"
				+ this.port);
		logger.debug("Worker command: " + this.command);
		this.workers.forEach(this::launch);
		try {
			this.allListening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException | InterruptedException ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			this.stopping = true;
			killAll();
			throw (ex.getCause() instanceof WorkerStartException failed) ? failed
					: new WorkerStartException(firstNotListening(), "not listening after " + START_TIMEOUT.toSeconds()
							+ " s", null);
		}
		// Only now: a standby starting beside the workers would slow every worker's start.
		launchStandby();
		this.scheduler.scheduleWithFixedDelay(this::poll, POLL_INTERVAL.toMillis(), POLL_INTERVAL.toMillis(),
				TimeUnit.MILLISECONDS);
		this.running = true;
	}

	private void launch(Worker worker) {
		ControlServer control = this.control;
		WorkerCommand command = this.command;
		if (this.stopping || control == null || command == null) {
			return;
		}
		ProcessBuilder builder = new ProcessBuilder(command.command()).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		environment.put(WorkerIdentity.INDEX_VARIABLE, String.valueOf(worker.index()));
		environment.put(WorkerIdentity.START_VARIABLE, String.valueOf(worker.starts()));
		environment.put(WorkerIdentity.CONTROL_SOCKET_VARIABLE, control.socket().toString());
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			worker.fail("cannot start a process: " + ex.getMessage());
			logger.error("Worker " + worker.index() + " cannot be started: " + ex.getMessage());
			this.allListening.completeExceptionally(
					new WorkerStartException(worker.index(), "not started", ex.getMessage()));
			return;
		}
		// Blocked on the (never written) stdin, a worker would learn nothing: close it at once.
		closeQuietly(process);
		WorkerOutput output = WorkerOutput.copy(process.getInputStream(), System.out,
				"echo-worker-" + worker.index() + "-output");
		worker.started(process, output);
		if (worker == this.standby) {
			logger.info("Standby worker started (pid " + process.pid() + ")");
		}
		else if (worker.restarts() == 0) {
			logger.info("Worker " + worker.index() + " started (pid " + process.pid() + ")");
		}
		process.onExit().thenAcceptAsync(this::onExit, this.scheduler);
	}

	private void launchStandby() {
		if (this.properties.standbyProcess() && !this.stopping && this.standby.state() != Worker.State.FAILED) {
			launch(this.standby);
		}
	}

	/**
	 * Put a process in the place of worker {@code worker}: the standby if it is ready (it only has
	 * to bind), else a new process.
	 */
	private void replace(Worker worker) {
		if (this.stopping) {
			return;
		}
		if (this.standby.state() != Worker.State.READY) {
			launch(worker);
			return;
		}
		int start = worker.starts();
		Process taken = worker.takeOver(this.standby);
		try {
			worker.tell(ControlProtocol.request(ControlProtocol.LISTEN)
				.put("index", worker.index())
				.put("start", start));
			logger.info("Worker " + worker.index() + ": the standby worker (pid " + taken.pid() + ") takes its place");
		}
		catch (IOException ex) {
			// The standby died meanwhile: its exit is handled as this worker's death.
			logger.debug("Could not tell the standby to listen", ex);
		}
		launchStandby();
	}

	private static void closeQuietly(Process process) {
		try {
			process.getOutputStream().close();
		}
		catch (IOException ex) {
			// Its stdin was never needed.
		}
	}

	/**
	 * Reads what one worker process says on the control channel, until the channel closes. What
	 * it says goes to the slot its process is in now: the standby's process changes slot when it
	 * takes a worker's place.
	 */
	private void read(ControlChannel channel) {
		long pid = -1;
		try {
			String line;
			while ((line = channel.readLine()) != null) {
				JsonNode message = ControlProtocol.JSON.readTree(line);
				String event = message.path(ControlProtocol.EVENT).asString("");
				if (event.equals(ControlProtocol.HELLO)) {
					pid = hello(channel, message);
					if (pid < 0) {
						break;
					}
					continue;
				}
				Worker worker = slotOf(pid);
				if (worker == null) {
					continue;
				}
				worker.heard();
				if (event.equals(ControlProtocol.LISTENING)) {
					onListening(worker);
				}
				else if (event.equals(ControlProtocol.READY)) {
					worker.state(Worker.State.READY);
					logger.info("Standby worker ready (pid " + pid + ")");
				}
				else if (message.has(ControlProtocol.ID)) {
					worker.answered(message);
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Control channel of pid " + pid + " failed", ex);
		}
		Worker worker = slotOf(pid);
		if (worker != null) {
			worker.detach(channel);
		}
		else {
			channel.close();
		}
	}

	/** @return the pid of the process that said hello, or -1 when it is none of ours */
	private long hello(ControlChannel channel, JsonNode hello) {
		int index = hello.path("index").asInt(-1);
		long pid = hello.path("pid").asLong();
		Worker slot = (index == 0) ? this.standby
				: (index >= 1 && index <= this.workers.size()) ? this.workers.get(index - 1) : null;
		if (slot != null && slot.attach(channel, pid)) {
			return pid;
		}
		logger.warn("Control socket: ignoring a hello from pid " + pid + " as worker " + index
				+ ", which is not a process this supervisor started");
		return -1;
	}

	/** The slot whose current process is {@code pid}, if any. */
	private @Nullable Worker slotOf(long pid) {
		for (Worker worker : this.workers) {
			Process process = worker.process();
			if (process != null && process.pid() == pid) {
				return worker;
			}
		}
		Process standbyProcess = this.standby.process();
		return (standbyProcess != null && standbyProcess.pid() == pid) ? this.standby : null;
	}

	private void onListening(Worker worker) {
		worker.listening();
		Process process = worker.process();
		Instant exited = worker.lastExit();
		if (exited != null) {
			logger.info("Worker " + worker.index() + " listening again (pid "
					+ ((process != null) ? process.pid() : "?") + "), "
					+ Duration.between(exited, Instant.now()).toMillis() + " ms after its previous process exited");
		}
		if (!this.allListening.isDone()
				&& this.workers.stream().allMatch((each) -> each.state() == Worker.State.LISTENING)) {
			this.since = Instant.now();
			logger.info("Echo server listening on " + this.properties.address() + ":" + this.port + " with "
					+ this.workers.size() + " worker processes (mode=" + this.properties.mode().value() + ", io="
					+ this.properties.io().value() + ", framing=" + this.properties.framing().value() + ")");
			this.allListening.complete(null);
		}
	}

	private void onExit(Process process) {
		Worker worker = slotOf(process.pid());
		if (worker == null) {
			return;
		}
		WorkerOutput output = worker.output();
		Worker.State state = worker.state();
		if (!worker.exited(process)) {
			return;
		}
		if (output != null) {
			output.awaitEnd(2_000);
		}
		String status = ExitStatus.describe(process.exitValue());
		String reason = (output != null) ? output.reason() : null;
		if (this.stopping) {
			worker.state(Worker.State.STOPPED);
			return;
		}
		if (worker == this.standby) {
			onStandbyExit(process, status, reason);
			return;
		}
		if (!this.allListening.isDone()) {
			this.allListening.completeExceptionally(new WorkerStartException(worker.index(), status, reason));
			return;
		}
		String what = "Worker " + worker.index() + " (pid " + process.pid() + ") "
				+ ((state == Worker.State.LISTENING) ? "exited" : "failed to start") + " with " + status
				+ ((reason != null) ? ": " + reason : "");
		int deaths = worker.died(DEATH_WINDOW);
		if (deaths >= MAX_DEATHS) {
			worker.fail("worker " + worker.index() + " died " + deaths + " times within " + DEATH_WINDOW.toSeconds()
					+ " s; the last time with " + status + ((reason != null) ? ": " + reason : ""));
			logger.error(what + "; it died " + deaths + " times within " + DEATH_WINDOW.toSeconds()
					+ " s, so it is not restarted again");
			return;
		}
		Duration delay = backoff(deaths);
		worker.state(Worker.State.RESTARTING);
		logger.warn(what + "; replacing it" + (delay.isZero() ? "" : " in " + delay.toMillis() + " ms"));
		this.scheduler.schedule(() -> replace(worker), delay.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** The standby died before it was needed: start another, unless it keeps dying. */
	private void onStandbyExit(Process process, String status, @Nullable String reason) {
		String what = "Standby worker (pid " + process.pid() + ") exited with " + status
				+ ((reason != null) ? ": " + reason : "");
		int deaths = this.standby.died(DEATH_WINDOW);
		if (deaths >= MAX_DEATHS) {
			this.standby.fail("standby died " + deaths + " times within " + DEATH_WINDOW.toSeconds() + " s");
			logger.error(what + "; it died " + deaths + " times within " + DEATH_WINDOW.toSeconds()
					+ " s, so workers that die are replaced by new processes from now on");
			return;
		}
		Duration delay = backoff(deaths);
		logger.warn(what + "; starting another" + (delay.isZero() ? "" : " in " + delay.toMillis() + " ms"));
		this.scheduler.schedule(this::launchStandby, delay.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** At once after a first death in the window, then 200 ms, doubling: 400 ms, 800 ms... */
	static Duration backoff(int deaths) {
		return (deaths <= 1) ? Duration.ZERO : FIRST_BACKOFF.multipliedBy(1L << Math.min(deaths - 2, 10));
	}

	/** Refresh each listening worker's figures for the meters, and kill any that has stopped answering. */
	private void poll() {
		for (Worker worker : this.workers) {
			if (worker.state() == Worker.State.LISTENING) {
				Process process = worker.process();
				if (process != null && worker.silence().compareTo(UNRESPONSIVE_AFTER) > 0) {
					logger.warn("Worker " + worker.index() + " (pid " + process.pid() + ") has not answered for "
							+ worker.silence().toSeconds() + " s (stopped or hung); killing it");
					process.destroyForcibly();
					continue;
				}
				worker.ask(ControlProtocol.request(ControlProtocol.DESCRIBE), ANSWER_TIMEOUT)
					.thenAccept((result) -> worker.last(ControlProtocol.JSON.treeToValue(result, EchoDescriptor.class)));
				worker.ask(ControlProtocol.request(ControlProtocol.COUNTERS), ANSWER_TIMEOUT)
					.thenAccept((result) -> worker.counters(ControlProtocol.JSON.treeToValue(result, WorkerCounters.class)));
			}
		}
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.stopping = true;
		long started = System.nanoTime();
		AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		Map<Worker, Process> draining = new LinkedHashMap<>();
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (process != null) {
				worker.state(Worker.State.STOPPING);
				draining.put(worker, process);
				// SIGTERM: the worker drains as a single process does. Through its handle, because
				// Process.destroy() also closes the pipe of its output, and its drain lines would be lost.
				process.toHandle().destroy();
			}
		}
		long workers = draining.keySet().stream().filter((worker) -> worker != this.standby).count();
		String standby = draining.containsKey(this.standby) ? " and the standby" : "";
		logger.info("Stopping " + workers + " worker processes" + standby + "; each drains its connections within "
				+ this.properties.shutdownTimeout().toMillis() + " ms");
		long deadline = started + this.properties.shutdownTimeout().plus(EXIT_GRACE).toNanos();
		String statuses = draining.entrySet()
			.stream()
			.map((entry) -> name(entry.getKey()) + ": " + awaitExit(entry.getKey(), entry.getValue(), deadline))
			.collect(Collectors.joining(", "));
		// The workers' last lines (their drain) come before the supervisor's own last ones.
		draining.keySet().forEach((worker) -> {
			WorkerOutput output = worker.output();
			if (output != null) {
				output.awaitEnd(2_000);
			}
		});
		logger.info("Stopped " + workers + " worker processes" + standby + " in " + (System.nanoTime() - started) / 1_000_000 + " ms (exit status " + statuses + ")");
	}

	private static String awaitExit(Worker worker, Process process, long deadline) {
		try {
			if (!process.waitFor(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS)) {
				logger.warn("Worker " + name(worker) + " (pid " + process.pid() + ") did not exit in time; killing it");
				process.destroyForcibly().waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
			}
			return String.valueOf(process.exitValue());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
			return "killed";
		}
		catch (IllegalThreadStateException ex) {
			return "still running";
		}
	}

	/** Whatever happened before: no worker outlives the supervisor's context. */
	@Override
	public void destroy() {
		this.stopping = true;
		killAll();
		this.scheduler.shutdownNow();
		ControlServer control = this.control;
		if (control != null) {
			control.close();
		}
	}

	private List<Worker> everySlot() {
		List<Worker> slots = new ArrayList<>(this.workers);
		slots.add(this.standby);
		return slots;
	}

	private static String name(Worker worker) {
		return (worker.index() == 0) ? "standby" : String.valueOf(worker.index());
	}

	private void killAll() {
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (process != null && process.isAlive()) {
				process.destroyForcibly();
				try {
					process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
	}

	private int firstNotListening() {
		return this.workers.stream()
			.filter((worker) -> worker.state() != Worker.State.LISTENING)
			.mapToInt(Worker::index)
			.findFirst()
			.orElse(1);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** The same phase as a single process's listener: it stops before the admin web server. */
	@Override
	public int getPhase() {
		return EchoServerLifecycle.PHASE;
	}

	List<Worker> workers() {
		return this.workers;
	}

	EchoProperties properties() {
		return this.properties;
	}

	/** The standby's state: {@code ready}, {@code starting}, {@code failed}, or {@code off}. */
	String standbyState() {
		return this.properties.standbyProcess() ? this.standby.state().value() : "off";
	}

	/** The standby's pid, or null when there is no standby process now. */
	@Nullable Long standbyPid() {
		Process process = this.standby.process();
		return (process != null) ? process.pid() : null;
	}

	int port() {
		return this.port;
	}

	@Nullable Instant since() {
		return this.since;
	}

}
