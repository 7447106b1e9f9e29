package io.github.echoserver.process;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
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
 * One worker of the supervisor: the slot numbered {@link #index()}, which outlives the processes
 * that fill it one after the other. It holds the current process, its control channel, its
 * state, and the deaths that decide whether it is restarted.
 */
final class Worker {

	/** What a worker is doing, as {@code GET /actuator/echo} shows it. */
	enum State {

		/** Its process runs and has not said that it listens yet. */
		STARTING,
		/** Its process listens and serves. */
		LISTENING,
		/** The standby's process is started and could listen at once. */
		READY,
		/** Its process died; a new one starts after the back-off. */
		RESTARTING,
		/** It died too often: no new process is started. */
		FAILED,
		/** The supervisor shuts down: its process drains. */
		STOPPING,
		/** No process, and none to come. */
		STOPPED;

		String value() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	private final int index;

	private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

	private final AtomicLong requestIds = new AtomicLong();

	private final Deque<Instant> deaths = new ArrayDeque<>();

	private State state = State.STOPPED;

	private @Nullable Process process;

	private @Nullable WorkerOutput output;

	private @Nullable ControlChannel channel;

	private @Nullable Instant started;

	private @Nullable Instant lastExit;

	private int starts;

	private @Nullable String failure;

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

	/** Record a new process in this slot. */
	synchronized void started(Process process, WorkerOutput output) {
		this.process = process;
		this.output = output;
		this.started = Instant.now();
		this.lastHeard = System.nanoTime();
		this.state = State.STARTING;
		this.starts++;
	}

	/** How many processes were started in this slot before the next one. */
	synchronized int starts() {
		return this.starts;
	}

	/** How many times this worker was restarted. */
	synchronized int restarts() {
		return Math.max(this.starts - 1, 0);
	}

	synchronized @Nullable Process process() {
		return this.process;
	}

	synchronized @Nullable WorkerOutput output() {
		return this.output;
	}

	synchronized State state() {
		return this.state;
	}

	synchronized void state(State state) {
		this.state = state;
	}

	synchronized @Nullable String failure() {
		return this.failure;
	}

	synchronized @Nullable Instant lastExit() {
		return this.lastExit;
	}

	/**
	 * Take the control channel of the process that just said hello.
	 * @return false when {@code pid} is not this slot's current process (a late hello from a
	 * process that has died since)
	 */
	synchronized boolean attach(ControlChannel channel, long pid) {
		if (this.process == null || this.process.pid() != pid) {
			return false;
		}
		this.channel = channel;
		return true;
	}

	/** The process's channel closed: every question in flight fails. */
	void detach(ControlChannel channel) {
		synchronized (this) {
			if (this.channel == channel) {
				this.channel = null;
			}
		}
		channel.close();
		this.pending.values().forEach((answer) -> answer.completeExceptionally(new IOException("worker gone")));
		this.pending.clear();
	}

	/**
	 * Take the standby's process into this slot: it becomes this worker's next start.
	 * @param standby the standby's slot, left empty
	 * @return the process taken
	 */
	Process takeOver(Worker standby) {
		Process taken;
		WorkerOutput output;
		ControlChannel channel;
		synchronized (standby) {
			taken = standby.process;
			output = standby.output;
			channel = standby.channel;
			standby.process = null;
			standby.output = null;
			standby.channel = null;
			standby.state = State.STOPPED;
		}
		if (taken == null || output == null) {
			throw new IllegalStateException("The standby has no process");
		}
		synchronized (this) {
			started(taken, output);
			this.channel = channel;
		}
		return taken;
	}

	/** Tell the worker's process something that needs no answer. */
	void tell(ObjectNode message) throws IOException {
		ControlChannel current;
		synchronized (this) {
			current = this.channel;
		}
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
	synchronized void listening() {
		this.state = State.LISTENING;
		if (this.output != null) {
			this.output.started();
		}
	}

	/**
	 * The process {@code exited} has ended; forget it.
	 * @return false when it was not this slot's current process
	 */
	boolean exited(Process exited) {
		ControlChannel closing;
		synchronized (this) {
			if (this.process != exited) {
				return false;
			}
			this.process = null;
			this.lastExit = Instant.now();
			this.last = null;
			this.counters = WorkerCounters.NONE;
			closing = this.channel;
		}
		if (closing != null) {
			detach(closing);
		}
		return true;
	}

	/**
	 * Count a death.
	 * @param window deaths older than this are forgotten
	 * @return the deaths within the window, this one included
	 */
	synchronized int died(Duration window) {
		Instant now = Instant.now();
		this.deaths.addLast(now);
		while (!this.deaths.isEmpty() && this.deaths.peekFirst().isBefore(now.minus(window))) {
			this.deaths.removeFirst();
		}
		return this.deaths.size();
	}

	/** Give up on this worker. */
	synchronized void fail(String reason) {
		this.state = State.FAILED;
		this.failure = reason;
	}

	/**
	 * Ask the worker's process something.
	 * @param request the question ({@code id} is set here)
	 * @param timeout how long the answer may take
	 * @return the answer's {@code result}; fails when the worker has no channel, answers with an
	 * error, or does not answer in time
	 */
	CompletableFuture<JsonNode> ask(ObjectNode request, Duration timeout) {
		ControlChannel current;
		synchronized (this) {
			current = this.channel;
		}
		CompletableFuture<JsonNode> answer = new CompletableFuture<>();
		if (current == null) {
			answer.completeExceptionally(new IOException("worker " + this.index + " is not connected"));
			return answer;
		}
		long id = this.requestIds.incrementAndGet();
		this.pending.put(id, answer);
		try {
			current.send(ControlProtocol.JSON.writeValueAsString(request.put(ControlProtocol.ID, id)));
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
	 */
	synchronized ProcessDescriptor describe(@Nullable EchoDescriptor view) {
		Process current = this.process;
		return new ProcessDescriptor(this.index, (current != null) ? current.pid() : null, this.state.value(),
				(current != null) ? this.started : null, restarts(),
				(view != null) ? view.connections().active() : null,
				(view != null) ? view.traffic().linesEchoed() : null);
	}

}
