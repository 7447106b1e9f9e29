package io.github.echoserver.process;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Every state a worker's slot (or the standby's) can be in, in one table: what it means, the
 * value {@code GET /actuator/echo} and the health component show, and the states it may go to.
 * Only the supervisor's own thread moves a slot from one state to the next, and a move this table
 * does not allow is a bug that fails loudly.
 * <pre>
 *   starting ──► listening ──► restarting ──► starting ...      (a worker)
 *   starting ──► ready ──► (takes a worker's place) ──► stopped  (the standby)
 *   any live state ──► stopping ──► stopped;  restarting ──► failed (given up)
 * </pre>
 */
enum WorkerState {

	/** Its process runs and has not said that it listens (a worker) or is ready (the standby) yet; bounded by a deadline. */
	STARTING,

	/** Its process listens and serves; it is asked for its figures every second and must answer. */
	LISTENING,

	/** The standby's process is started and could listen at once; it is asked every second and must answer. */
	READY,

	/** Its process died; a new one starts after the back-off. */
	RESTARTING,

	/** It died too often: no new process is started. */
	FAILED,

	/** The supervisor shuts down: its process drains; bounded by {@code shutdown-timeout} and a grace. */
	STOPPING,

	/** No process, and none to come (before the first start, after the stop, or a standby that took a worker's place). */
	STOPPED;

	static {
		STARTING.next = EnumSet.of(LISTENING, READY, RESTARTING, FAILED, STOPPING, STOPPED);
		LISTENING.next = EnumSet.of(RESTARTING, FAILED, STOPPING, STOPPED);
		READY.next = EnumSet.of(RESTARTING, FAILED, STOPPING, STOPPED);
		RESTARTING.next = EnumSet.of(STARTING, FAILED, STOPPED);
		FAILED.next = EnumSet.noneOf(WorkerState.class);
		STOPPING.next = EnumSet.of(STOPPED);
		STOPPED.next = EnumSet.of(STARTING, RESTARTING, FAILED, STOPPED);
	}

	private Set<WorkerState> next = Set.of();

	/** How {@code GET /actuator/echo} and the health component show it. */
	String value() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** Whether its process must answer the supervisor's questions, and is killed when it goes silent. */
	boolean answers() {
		return this == LISTENING || this == READY;
	}

	/**
	 * The state after this one.
	 * @param next the state wanted
	 * @return {@code next}
	 * @throws IllegalStateException when this table does not allow the move
	 */
	WorkerState to(WorkerState next) {
		if (!this.next.contains(next)) {
			throw new IllegalStateException("A worker cannot go from " + value() + " to " + next.value());
		}
		return next;
	}

}
