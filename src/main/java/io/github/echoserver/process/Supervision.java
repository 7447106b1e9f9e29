package io.github.echoserver.process;

import java.io.IOException;
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

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.config.EchoProperties;

import static io.github.echoserver.process.Supervisor.ANSWER_TIMEOUT;
import static io.github.echoserver.process.Supervisor.EXIT_GRACE;
import static io.github.echoserver.process.Supervisor.POLL_INTERVAL;
import static io.github.echoserver.process.Supervisor.PROMOTABLE_SILENCE;
import static io.github.echoserver.process.Supervisor.PROMOTION_TIMEOUT;
import static io.github.echoserver.process.Supervisor.START_TIMEOUT;
import static io.github.echoserver.process.Supervisor.UNRESPONSIVE_AFTER;

/**
 * The one owner of the supervisor's state: a single thread, {@code echo-supervisor}, on which
 * every event is a task handled in order: a worker's control message (hello, listening, ready,
 * an answer), a process's exit, a timer (a back-off, a deadline, the poll each second), the stop.
 * The control channels' threads, the processes' exit futures and the lifecycle only hand events
 * to it ({@link #submit(Runnable)}), so no two events ever see each other half done: a process
 * taken over by a worker while the stop begins, say, is in the stop whichever comes first.
 */
final class Supervision implements ControlReader.Events {

	/** How long a process's last lines may take to arrive after it exited. */
	private static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private final EchoProperties properties;

	private final List<Worker> workers;

	/** The standby's slot, index 0: empty when {@code echo.standby-process} is off. */
	private final Worker standby;

	/** The workers' slots, then the standby's. */
	private final List<Worker> slots;

	private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-supervisor");
		thread.setDaemon(true);
		return thread;
	});

	/** True once every worker listens, false when a stop ended the start; failed with a worker's start failure. */
	private final CompletableFuture<Boolean> started = new CompletableFuture<>();

	/** Completes once every process has exited after the stop. */
	private final CompletableFuture<Void> stopped = new CompletableFuture<>();

	private volatile @Nullable Instant since;

	// Only the owner thread reads and writes these:

	private @Nullable WorkerLauncher launcher;

	private int port;

	/** The stop, once it has begun: from then on, no process is started. */
	private @Nullable Drain drain;

	Supervision(EchoProperties properties, List<Worker> workers, Worker standby) {
		this.properties = properties;
		this.workers = workers;
		this.standby = standby;
		List<Worker> slots = new ArrayList<>(workers);
		slots.add(standby);
		this.slots = List.copyOf(slots);
	}

	/** Start every worker's process with {@code launcher}; they listen on {@code port}. */
	void launchWorkers(WorkerLauncher launcher, int port) {
		submit(() -> {
			this.launcher = launcher;
			this.port = port;
			this.workers.forEach(this::launch);
		});
	}

	/** True once every worker listens, false when a stop ended the start; failed with a worker's start failure. */
	CompletableFuture<Boolean> started() {
		return this.started;
	}

	/** The workers listen: start the standby, and the poll. */
	void watchAll() {
		submit(() -> {
			// Only now: a standby starting beside the workers would slow every worker's start.
			launchStandby();
			// Through submit(): a poll that failed would otherwise end the repetition without a word.
			this.owner.scheduleWithFixedDelay(() -> submit(this::poll), POLL_INTERVAL.toMillis(),
					POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
		});
	}

	/** When every worker first listened. */
	@Nullable Instant since() {
		return this.since;
	}

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

	/** Hand an event to the owner thread; after {@link #shutdown()} there is nobody left to handle it. */
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
		if (this.standby.state() == WorkerState.READY) {
			if (standbyProcess == null || this.standby.silence().compareTo(PROMOTABLE_SILENCE) <= 0) {
				promote(worker);
				return;
			}
			logger.warn("Standby worker (pid " + standbyProcess.pid() + ") has not answered for "
					+ this.standby.silence().toMillis() + " ms (stopped or hung); killing it instead of promoting it");
			this.standby.kill("not answering");
		}
		launch(worker);
	}

	private void promote(Worker worker) {
		Process taken = worker.takeOver(this.standby);
		try {
			worker.tell(ControlProtocol.request(ControlProtocol.LISTEN).put("index", worker.index()));
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
		for (Worker worker : this.slots) {
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
		String how = status + ((reason != null) ? ": " + reason : "");
		String what = worker.name() + " (pid " + process.pid() + ") "
				+ ((state == WorkerState.LISTENING || state == WorkerState.READY) ? "exited" : "failed to start")
				+ " with " + how;
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
						+ "; the last time with " + how);
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
		for (Worker worker : this.slots) {
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
	 * every process in a slot now is in this stop, and no new one is started. Any thread may ask;
	 * the stop itself runs on the owner thread, and a second one is a no-op.
	 */
	void stop(boolean graceful) {
		submit(() -> beginStop(graceful));
	}

	private void beginStop(boolean graceful) {
		if (stopping()) {
			return;
		}
		Drain drain = new Drain(graceful);
		this.drain = drain;
		this.started.complete(false);
		for (Worker worker : this.slots) {
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
		for (Worker worker : this.slots) {
			Process process = worker.process();
			if (worker.state() == WorkerState.STOPPING && process != null) {
				logger.warn(worker.name() + " (pid " + process.pid() + ") did not exit in time; killing it");
				process.destroyForcibly();
			}
		}
	}

	private void stoppedIfDone(Drain drain) {
		if (this.stopped.isDone() || this.slots.stream().anyMatch((worker) -> worker.state() == WorkerState.STOPPING)) {
			return;
		}
		drain.logEnded();
		this.stopped.complete(null);
	}

	/** Wait (bounded) until the stop has ended: every process exited, or killed at its deadline. */
	void awaitStopped() {
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

	/** Kill whatever process is still alive and end the owner thread: the context is closing. */
	void shutdown() {
		for (Worker worker : this.slots) {
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
	}

}
