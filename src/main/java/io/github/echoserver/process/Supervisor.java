package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.config.EchoProperties;
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
 * server; a worker that fails meanwhile fails the startup, in one line with its reason. A stop
 * (Ctrl+C, SIGTERM) meanwhile ends the start at once: the workers are stopped and it returns.</li>
 * <li>Watch: a worker that exits is logged with its exit status and replaced after the back-off
 * of its {@link RestartPolicy}; the others and their clients are untouched. The replacement is
 * the standby ({@code echo.standby-process}, on by default), a worker process started ahead
 * that only has to bind the port, so the port has all its workers again within milliseconds;
 * a new standby then starts in the background. Without a ready standby, a new worker process
 * starts (seconds: a JVM and a Spring context).</li>
 * <li>Deadlines: a new process must listen (or, the standby, be ready) within
 * {@link #START_TIMEOUT}, a promoted standby within {@link #PROMOTION_TIMEOUT}, and a listening
 * worker or a ready standby must answer within {@link #UNRESPONSIVE_AFTER} (stopped with SIGSTOP,
 * or hung): else it is killed, which counts as a death.</li>
 * <li>Stop (SIGTERM, Ctrl+C): readiness goes down and every process, the standby's included,
 * gets SIGTERM, so each drains as a single process does; one still alive past
 * {@code shutdown-timeout} and {@link #EXIT_GRACE} is killed.</li>
 * </ul>
 * One thread, {@code echo-supervisor}, owns every slot's state: each event (a worker's control
 * message, a process's exit, a timer, the stop) is a task handled on it in order, so no two of
 * them ever see each other half done. The control channels' threads only read lines and hand
 * them over. Workers also leave when the supervisor dies without stopping them
 * ({@code kill -9}): see {@link WorkerAgent}.
 */
public class Supervisor implements SmartLifecycle, DisposableBean {

	/** How long a new worker process may take to listen, or the standby to be ready: JVM starts, on a busy machine, all at once. */
	static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	/** How long a promoted standby may take to listen: its context is up, it only binds. */
	static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(10);

	/** A worker's process gets this long beyond {@code shutdown-timeout} to drain and exit before it is killed. */
	static final Duration EXIT_GRACE = Duration.ofSeconds(10);

	/** How often each worker's figures are refreshed for the meters, and each process asked whether it lives. */
	static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

	/** How long a worker may take to answer one of the supervisor's questions: the admin view waits no longer. */
	static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);

	/** How long a worker may take to list its connections, which can be many. */
	static final Duration LIST_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * A listening worker or a ready standby that says nothing for this long, while it is asked
	 * every second, is stopped or hung: it is killed and replaced. Left alone, a worker's
	 * listening socket would go on taking its share of new connections, which nobody would ever
	 * accept, and a standby would be promoted to do nothing.
	 */
	static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(10);

	/** A ready standby silent for longer than this is not promoted: a new process is started instead. */
	static final Duration PROMOTABLE_SILENCE = POLL_INTERVAL.multipliedBy(3);

	/** How long a process's last lines may take to arrive after it exited. */
	private static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private final EchoProperties properties;

	private final String[] arguments;

	private final ApplicationEventPublisher publisher;

	private final List<Worker> workers;

	/** The standby's slot, index 0: empty when {@code echo.standby-process} is off. */
	private final Worker standby = new Worker(0);

	/** The owner of the state: every event runs here, one at a time. */
	private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-supervisor");
		thread.setDaemon(true);
		return thread;
	});

	/** True once every worker listens, false when a stop ended the start; failed with a worker's start failure. */
	private final CompletableFuture<Boolean> started = new CompletableFuture<>();

	/** Completes once every process has exited after the stop. */
	private final CompletableFuture<Void> stopped = new CompletableFuture<>();

	private volatile @Nullable ControlServer control;

	private volatile int port;

	private volatile @Nullable Instant since;

	private volatile boolean running;

	// Owned by the echo-supervisor thread:

	private @Nullable WorkerLauncher launcher;

	/** The stop, once it has begun: from then on, no process is started. */
	private @Nullable Drain drain;

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
		// shutdown calls stop(), or while this start still waits for them: from the first moment of
		// the JVM's shutdown, the supervisor stops (no worker is replaced, a start under way ends).
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> submit(() -> beginStop(true)), "echo-supervisor-shutdown"));
		this.port = SharedPort.settle(this.properties);
		ControlServer control;
		try {
			control = ControlServer.open(new ControlReader(new ControlReader.Events() {

				@Override
				public void hello(ControlChannel channel, int index, long pid) {
					submit(() -> onHello(channel, index, pid));
				}

				@Override
				public void message(long pid, JsonNode message, String line) {
					submit(() -> onMessage(pid, message, line));
				}

				@Override
				public void closed(ControlChannel channel, long pid) {
					submit(() -> onChannelClosed(channel, pid));
				}

			}));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open the supervisor's control socket: " + ex.getMessage(), ex);
		}
		this.control = control;
		WorkerLauncher launcher = new WorkerLauncher(WorkerCommand.of(this.arguments, this.port), control.socket());
		logger.info("Starting " + this.workers.size() + " worker processes for " + this.properties.address() + ":"
				+ this.port);
		logger.debug("Worker command: " + launcher);
		submit(() -> {
			this.launcher = launcher;
			this.workers.forEach(this::launch);
		});
		boolean listening;
		try {
			// Every worker's start has its own deadline; this bound only guards against a bug.
			listening = this.started.get(START_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException | InterruptedException ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			submit(() -> beginStop(false));
			awaitStopped();
			throw (ex.getCause() instanceof WorkerStartException failed) ? failed
					: new WorkerStartException(0, "not every worker listens", ex.toString());
		}
		if (!listening) {
			// Stopped while starting: the workers are stopping already.
			awaitStopped();
			return;
		}
		submit(() -> {
			// Only now: a standby starting beside the workers would slow every worker's start.
			launchStandby();
			// Through submit(): a poll that failed would otherwise end the repetition without a word.
			this.owner.scheduleWithFixedDelay(() -> submit(this::poll), POLL_INTERVAL.toMillis(),
					POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
		});
		this.running = true;
	}

	/** Hand an event to the owner thread; after {@link #destroy()} there is nobody left to handle it. */
	private void submit(Runnable event) {
		try {
			this.owner.execute(() -> {
				try {
					event.run();
				}
				catch (RuntimeException ex) {
					logger.error("Supervisor event failed", ex);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Supervisor already destroyed; event dropped");
		}
	}

	/** Whether the stop has begun: no process is started any more. */
	private boolean stopping() {
		return this.drain != null;
	}

	/** Run {@code event} on the owner thread after {@code delay}. */
	private void schedule(Runnable event, Duration delay) {
		try {
			this.owner.schedule(() -> submit(event), delay.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Supervisor already destroyed; timer dropped");
		}
	}

	private void launch(Worker worker) {
		WorkerLauncher launcher = this.launcher;
		if (stopping() || launcher == null) {
			return;
		}
		Process process;
		try {
			process = launcher.start(worker);
		}
		catch (IOException ex) {
			worker.fail("cannot start a process: " + ex.getMessage());
			logger.error(worker.name() + " cannot be started: " + ex.getMessage());
			this.started.completeExceptionally(new WorkerStartException(worker.index(), "not started", ex.getMessage()));
			return;
		}
		if (worker == this.standby) {
			logger.info("Standby worker started (pid " + process.pid() + ")");
		}
		else if (worker.restarts() == 0) {
			logger.info("Worker " + worker.index() + " started (pid " + process.pid() + ")");
		}
		watch(worker, process, START_TIMEOUT);
	}

	/**
	 * Hold {@code process}, just started in {@code worker}'s slot, to its start deadline, and
	 * hand its exit to the owner thread once its last lines have been copied.
	 */
	private void watch(Worker worker, Process process, Duration deadline) {
		schedule(() -> startDeadline(worker, process, deadline), deadline);
		WorkerOutput output = worker.output();
		CompletableFuture<?> lastLines = (output != null) ? output.end() : CompletableFuture.completedFuture(null);
		process.onExit()
			.thenCompose((exited) -> lastLines.completeOnTimeout(null, OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS))
			.whenComplete((done, failure) -> submit(() -> onExit(process)));
	}

	private void startDeadline(Worker worker, Process process, Duration deadline) {
		if (worker.process() != process || worker.state() != WorkerState.STARTING || stopping()) {
			return;
		}
		String what = ((worker == this.standby) ? "not ready" : "not listening") + " after " + deadline.toSeconds()
				+ " s";
		logger.warn(worker.name() + " (pid " + process.pid() + ") is " + what + "; killing it");
		worker.kill(what);
	}

	private void launchStandby() {
		if (this.properties.standbyProcess() && !stopping() && this.standby.process() == null
				&& this.standby.state() != WorkerState.FAILED) {
			launch(this.standby);
		}
	}

	/**
	 * Put a process in the place of worker {@code worker}: the standby if it is ready and alive (it
	 * only has to bind), else a new process.
	 */
	private void replace(Worker worker) {
		if (stopping() || worker.state() != WorkerState.RESTARTING) {
			return;
		}
		Process standbyProcess = this.standby.process();
		if (this.standby.state() == WorkerState.READY && standbyProcess != null
				&& this.standby.silence().compareTo(PROMOTABLE_SILENCE) > 0) {
			logger.warn("Standby worker (pid " + standbyProcess.pid() + ") has not answered for "
					+ this.standby.silence().toMillis() + " ms (stopped or hung); killing it instead of promoting it");
			this.standby.kill("not answering");
		}
		else if (this.standby.state() == WorkerState.READY) {
			promote(worker);
			return;
		}
		launch(worker);
	}

	private void promote(Worker worker) {
		int start = worker.starts();
		Process taken = worker.takeOver(this.standby);
		try {
			worker.tell(ControlProtocol.request(ControlProtocol.LISTEN).put("index", worker.index()).put("start", start));
			logger.info("Worker " + worker.index() + ": the standby worker (pid " + taken.pid() + ") takes its place");
		}
		catch (IOException ex) {
			// The standby died meanwhile: its exit is handled as this worker's death.
			logger.debug("Could not tell the standby to listen", ex);
		}
		schedule(() -> startDeadline(worker, taken, PROMOTION_TIMEOUT), PROMOTION_TIMEOUT);
		launchStandby();
	}

	private void onHello(ControlChannel channel, int index, long pid) {
		Worker slot = (index == 0) ? this.standby
				: (index >= 1 && index <= this.workers.size()) ? this.workers.get(index - 1) : null;
		if (slot != null && slot.attach(channel, pid)) {
			slot.heard();
			return;
		}
		logger.warn("Control socket: ignoring a hello from pid " + pid + " as worker " + index
				+ ", which is not a process this supervisor started");
		channel.close();
	}

	private void onMessage(long pid, JsonNode message, String line) {
		Worker worker = slotOf(pid);
		if (worker == null) {
			return;
		}
		worker.heard();
		String event = message.path(ControlProtocol.EVENT).asString("");
		if (event.equals(ControlProtocol.LISTENING) && worker != this.standby) {
			onListening(worker);
		}
		else if (event.equals(ControlProtocol.READY) && worker == this.standby) {
			onReady(pid);
		}
		else if (event.isEmpty() && message.has(ControlProtocol.ID)) {
			worker.answered(message);
		}
		else {
			logger.warn("Control channel of " + worker.name() + " (pid " + pid + "): an unknown message '"
					+ ControlReader.truncated(line) + "'");
		}
	}

	private void onChannelClosed(ControlChannel channel, long pid) {
		Worker worker = slotOf(pid);
		if (worker != null) {
			worker.detach(channel);
		}
		else {
			channel.close();
		}
	}

	/** The slot whose current process is {@code pid}, if any. */
	private @Nullable Worker slotOf(long pid) {
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (process != null && process.pid() == pid) {
				return worker;
			}
		}
		return null;
	}

	private void onReady(long pid) {
		if (this.standby.state() != WorkerState.STARTING) {
			return;
		}
		this.standby.to(WorkerState.READY);
		logger.info("Standby worker ready (pid " + pid + ")");
	}

	private void onListening(Worker worker) {
		if (worker.state() != WorkerState.STARTING) {
			return;
		}
		worker.listening();
		Process process = worker.process();
		Instant exited = worker.lastExit();
		if (exited != null) {
			logger.info("Worker " + worker.index() + " listening again (pid "
					+ ((process != null) ? process.pid() : "?") + "), "
					+ Duration.between(exited, Instant.now()).toMillis() + " ms after its previous process exited");
		}
		if (!this.started.isDone()
				&& this.workers.stream().allMatch((each) -> each.state() == WorkerState.LISTENING)) {
			this.since = Instant.now();
			logger.info("Echo server listening on " + this.properties.address() + ":" + this.port + " with "
					+ this.workers.size() + " worker processes (mode=" + this.properties.mode().value() + ", io="
					+ this.properties.io().value() + ", framing=" + this.properties.framing().value() + ")");
			this.started.complete(true);
		}
	}

	private void onExit(Process process) {
		Worker worker = slotOf(process.pid());
		if (worker == null) {
			return;
		}
		WorkerOutput output = worker.output();
		WorkerState state = worker.state();
		String killedFor = worker.killedFor();
		worker.exited(process);
		String status = ExitStatus.describe(process.exitValue());
		String reason = (output != null) ? output.reason() : null;
		Drain drain = this.drain;
		if (drain != null) {
			worker.to(WorkerState.STOPPED);
			drain.exited(worker, process.exitValue());
			stoppedIfDone(drain);
			return;
		}
		if (!this.started.isDone() && worker != this.standby) {
			worker.to(WorkerState.STOPPED);
			this.started.completeExceptionally(
					new WorkerStartException(worker.index(), (killedFor != null) ? killedFor : status, reason));
			return;
		}
		if (state == WorkerState.STARTING && killedFor != null) {
			reason = killedFor + ((reason != null) ? "; " + reason : "");
		}
		String what = worker.name() + " (pid " + process.pid() + ") "
				+ ((state == WorkerState.LISTENING || state == WorkerState.READY) ? "exited" : "failed to start")
				+ " with " + status + ((reason != null) ? ": " + reason : "");
		int deaths = worker.died();
		if (RestartPolicy.givesUp(deaths)) {
			String window = RestartPolicy.DEATH_WINDOW.toSeconds() + " s";
			if (worker == this.standby) {
				worker.fail("standby died " + deaths + " times within " + window);
				logger.error(what + "; it died " + deaths + " times within " + window
						+ ", so workers that die are replaced by new processes from now on");
			}
			else {
				worker.fail("worker " + worker.index() + " died " + deaths + " times within " + window
						+ "; the last time with " + status + ((reason != null) ? ": " + reason : ""));
				logger.error(what + "; it died " + deaths + " times within " + window + ", so it is not restarted again");
			}
			return;
		}
		Duration delay = RestartPolicy.backoff(deaths);
		worker.to(WorkerState.RESTARTING);
		String after = delay.isZero() ? "" : " in " + delay.toMillis() + " ms";
		if (worker == this.standby) {
			logger.warn(what + "; starting another" + after);
			schedule(this::launchStandby, delay);
		}
		else {
			logger.warn(what + "; replacing it" + after);
			schedule(() -> replace(worker), delay);
		}
	}

	/**
	 * Refresh each listening worker's figures for the meters, ask the standby whether it lives,
	 * and kill any process that has stopped answering.
	 */
	private void poll() {
		if (stopping()) {
			return;
		}
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (process == null || !worker.state().answers()) {
				continue;
			}
			if (worker.silence().compareTo(UNRESPONSIVE_AFTER) > 0) {
				logger.warn(worker.name() + " (pid " + process.pid() + ") has not answered for "
						+ worker.silence().toSeconds() + " s (stopped or hung); killing it");
				worker.kill("not answering");
				continue;
			}
			if (worker == this.standby) {
				worker.ask(ControlProtocol.request(ControlProtocol.PING), ANSWER_TIMEOUT);
				continue;
			}
			worker.ask(ControlProtocol.request(ControlProtocol.DESCRIBE), ANSWER_TIMEOUT)
				.thenAccept((result) -> worker.last(ControlProtocol.JSON.treeToValue(result, EchoDescriptor.class)));
			worker.ask(ControlProtocol.request(ControlProtocol.COUNTERS), ANSWER_TIMEOUT)
				.thenAccept((result) -> worker.counters(ControlProtocol.JSON.treeToValue(result, WorkerCounters.class)));
		}
	}

	/**
	 * Stop every process: with SIGTERM, so that each drains ({@code graceful}), or at once with
	 * SIGKILL (a failed start). Whatever is under way (a start, a back-off, a promotion) ends here:
	 * every process in a slot now is in this stop, and no new one is started.
	 */
	private void beginStop(boolean graceful) {
		if (stopping()) {
			return;
		}
		Drain drain = new Drain(graceful);
		this.drain = drain;
		this.started.complete(false);
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (process != null) {
				worker.to(WorkerState.STOPPING);
				drain.draining(worker);
				if (graceful) {
					// SIGTERM: the worker drains as a single process does. Through its handle, because
					// Process.destroy() also closes the pipe of its output, and its drain lines would be lost.
					process.toHandle().destroy();
				}
				else {
					process.destroyForcibly();
				}
			}
			else if (worker.state() != WorkerState.FAILED) {
				worker.to(WorkerState.STOPPED);
			}
		}
		drain.logBegun(this.properties.shutdownTimeout());
		schedule(this::stopDeadline, this.properties.shutdownTimeout().plus(EXIT_GRACE));
		stoppedIfDone(drain);
	}

	private void stopDeadline() {
		for (Worker worker : everySlot()) {
			Process process = worker.process();
			if (worker.state() == WorkerState.STOPPING && process != null) {
				logger.warn(worker.name() + " (pid " + process.pid() + ") did not exit in time; killing it");
				process.destroyForcibly();
			}
		}
	}

	private void stoppedIfDone(Drain drain) {
		if (this.stopped.isDone() || everySlot().stream().anyMatch((worker) -> worker.state() == WorkerState.STOPPING)) {
			return;
		}
		drain.logEnded();
		this.stopped.complete(null);
	}

	/** Wait (bounded) until the stop has ended: every process exited, or killed at its deadline. */
	private void awaitStopped() {
		try {
			this.stopped.get(this.properties.shutdownTimeout().plus(EXIT_GRACE).plus(EXIT_GRACE).toMillis(),
					TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("The workers did not all exit in time: " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		submit(() -> beginStop(true));
		awaitStopped();
	}

	/** Whatever happened before: no worker outlives the supervisor's context. */
	@Override
	public void destroy() {
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
		this.owner.shutdownNow();
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

	/** The standby's state: a {@link WorkerState} value, or {@code off}. */
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
