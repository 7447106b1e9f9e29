package io.github.echoserver.process;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.admin.ProcessDescriptor;

/**
 * One worker of the supervisor: the slot numbered {@link #index()} (0 for the standby), which
 * outlives the processes that fill it one after the other. It holds the current process, its
 * control channel, its {@link WorkerState}, and the deaths that decide whether it is restarted.
 * Only the supervisor's own thread changes it; the admin view and the health component read it
 * from theirs, and ask its process questions.
 */
final class Worker {

	private final int index;

	private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

	private final AtomicLong requestIds = new AtomicLong();

	private final RestartPolicy restarts = new RestartPolicy();

	private volatile WorkerState state = WorkerState.STOPPED;

	private volatile @Nullable Process process;

	private volatile @Nullable WorkerOutput output;

	private volatile @Nullable ControlChannel channel;

	private volatile @Nullable Instant started;

	private volatile int starts;

	private volatile @Nullable String failure;

	private @Nullable Instant lastExit;

	/** Why the supervisor killed the current process, when it did. */
	private @Nullable String killedFor;

	private volatile @Nullable EchoDescriptor last;

	private volatile WorkerCounters counters = WorkerCounters.NONE;

	/** When the current process last said anything on its control channel ({@link System#nanoTime()}). */
	private volatile long lastHeard = System.nanoTime();

	Worker(int index) {
		this.index = index;
	}

	int index() {
		return this.index;
	}

	/** How the supervisor's lines name it: {@code Worker 2}, or {@code Standby worker}. */
	String name() {
		return (this.index == 0) ? "Standby worker" : "Worker " + this.index;
	}

	/** Record a new process in this slot: it is {@link WorkerState#STARTING}. */
	void started(Process process, WorkerOutput output) {
		this.state = this.state.to(WorkerState.STARTING);
		this.process = process;
		this.output = output;
		this.started = Instant.now();
		this.lastHeard = System.nanoTime();
		this.killedFor = null;
		this.starts++;
	}

	/** How many processes were started in this slot before the next one. */
	int starts() {
		return this.starts;
	}

	/** How many times this worker was restarted. */
	int restarts() {
		return Math.max(this.starts - 1, 0);
	}

	@Nullable Process process() {
		return this.process;
	}

	@Nullable WorkerOutput output() {
		return this.output;
	}

	WorkerState state() {
		return this.state;
	}

	/** Move to {@code next}, as {@link WorkerState} allows. */
	void to(WorkerState next) {
		this.state = this.state.to(next);
	}

	@Nullable String failure() {
		return this.failure;
	}

	@Nullable Instant lastExit() {
		return this.lastExit;
	}

	@Nullable String killedFor() {
		return this.killedFor;
	}

	/** Kill the current process for {@code reason}; its exit comes as any other. */
	void kill(String reason) {
		Process current = this.process;
		if (current != null) {
			this.killedFor = reason;
			current.destroyForcibly();
		}
	}

	/**
	 * Take the control channel of the process that just said hello.
	 * @return false when {@code pid} is not this slot's current process (a late hello from a
	 * process that has died since)
	 */
	boolean attach(ControlChannel channel, long pid) {
		Process current = this.process;
		if (current == null || current.pid() != pid) {
			return false;
		}
		this.channel = channel;
		return true;
	}

	/** The process's channel closed: every question in flight fails. */
	void detach(ControlChannel channel) {
		if (this.channel == channel) {
			this.channel = null;
		}
		channel.close();
		this.pending.values().forEach((answer) -> answer.completeExceptionally(new IOException("worker gone")));
		this.pending.clear();
	}

	/**
	 * Take the standby's process into this slot: it becomes this worker's next start.
	 * @param standby the standby's slot, left {@link WorkerState#STOPPED}
	 * @return the process taken
	 */
	Process takeOver(Worker standby) {
		Process taken = standby.process;
		WorkerOutput output = standby.output;
		if (taken == null || output == null) {
			throw new IllegalStateException("The standby has no process");
		}
		ControlChannel channel = standby.channel;
		standby.process = null;
		standby.output = null;
		standby.channel = null;
		standby.to(WorkerState.STOPPED);
		started(taken, output);
		this.channel = channel;
		return taken;
	}

	/** Tell the worker's process something that needs no answer. */
	void tell(ObjectNode message) throws IOException {
		ControlChannel current = this.channel;
		if (current == null) {
			throw new IOException("worker " + this.index + " is not connected");
		}
		current.send(ControlProtocol.JSON.writeValueAsString(message));
	}

	/** The current process has said something: it is alive and its control thread runs. */
	void heard() {
		this.lastHeard = System.nanoTime();
	}

	/** How long the current process has said nothing. */
	Duration silence() {
		return Duration.ofNanos(System.nanoTime() - this.lastHeard);
	}

	/** The process listens. */
	void listening() {
		to(WorkerState.LISTENING);
		WorkerOutput current = this.output;
		if (current != null) {
			current.started();
		}
	}

	/** The process {@code exited} has ended; forget it, unless it is no longer this slot's current process. */
	void exited(Process exited) {
		if (this.process != exited) {
			return;
		}
		this.process = null;
		this.lastExit = Instant.now();
		this.last = null;
		this.counters = WorkerCounters.NONE;
		ControlChannel closing = this.channel;
		if (closing != null) {
			detach(closing);
		}
	}

	/**
	 * Count a death.
	 * @return the deaths within {@link RestartPolicy#DEATH_WINDOW}, this one included
	 */
	int died() {
		return this.restarts.died();
	}

	/** Give up on this worker. */
	void fail(String reason) {
		to(WorkerState.FAILED);
		this.failure = reason;
	}

	/**
	 * Ask the worker's process something; any thread may ask.
	 * @param request the question ({@code id} is set here)
	 * @param timeout how long the answer may take
	 * @return the answer's {@code result}; fails when the worker has no channel, answers with an
	 * error, or does not answer in time (with a {@link java.util.concurrent.TimeoutException})
	 */
	CompletableFuture<JsonNode> ask(ObjectNode request, Duration timeout) {
		CompletableFuture<JsonNode> answer = new CompletableFuture<>();
		long id = this.requestIds.incrementAndGet();
		this.pending.put(id, answer);
		try {
			tell(request.put(ControlProtocol.ID, id));
		}
		catch (IOException ex) {
			answer.completeExceptionally(ex);
		}
		return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
			.whenComplete((result, failure) -> this.pending.remove(id));
	}

	/** An answer arrived on the channel. */
	void answered(JsonNode reply) {
		CompletableFuture<JsonNode> answer = this.pending.remove(reply.path(ControlProtocol.ID).asLong());
		if (answer == null) {
			return;
		}
		if (reply.has(ControlProtocol.ERROR)) {
			answer.completeExceptionally(new IOException(reply.path(ControlProtocol.ERROR).asString()));
		}
		else {
			answer.complete(reply.path(ControlProtocol.RESULT));
		}
	}

	/** The worker's own view, as last polled; null when it has not answered since its start. */
	@Nullable EchoDescriptor last() {
		return this.last;
	}

	void last(EchoDescriptor descriptor) {
		this.last = descriptor;
	}

	/** The worker's refusals and errors, as last polled; none since its start until it answers. */
	WorkerCounters counters() {
		return this.counters;
	}

	void counters(WorkerCounters counters) {
		this.counters = counters;
	}

	/**
	 * This worker's entry of {@code GET /actuator/echo}.
	 * @param view its process's own view, or null when it did not answer
	 * @param unresponsive whether its process was asked and did not answer in time
	 */
	ProcessDescriptor describe(@Nullable EchoDescriptor view, boolean unresponsive) {
		Process current = this.process;
		return new ProcessDescriptor(this.index, (current != null) ? current.pid() : null, this.state.value(),
				(current != null) ? this.started : null, restarts(),
				(view != null) ? view.connections().active() : null,
				(view != null) ? view.traffic().linesEchoed() : null, unresponsive);
	}

}
