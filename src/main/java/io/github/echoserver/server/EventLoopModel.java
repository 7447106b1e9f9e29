package io.github.echoserver.server;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

import org.jspecify.annotations.Nullable;

/**
 * {@code echo.io: nio}: a fixed set of {@link EventLoop}s, {@code echo.pool.size} of them for
 * {@code pooled} and one for {@code single}. Each new connection is assigned to the next loop
 * in turn and stays with it; its loop reads it, runs its lines through the flow and writes the
 * replies. Nothing queues per read, so nothing is rejected: {@code echo.max-connections} is the
 * only bound, and {@code echo.pool.queue-capacity} does not apply.
 */
public final class EventLoopModel implements ConnectionModel {

	private final EventLoop[] loops;

	/** Advanced by the one accepting thread. */
	/** Round robin over the loops; two listeners (clear text and TLS) may accept at once. */
	private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

	public EventLoopModel(int count) {
		this.loops = new EventLoop[count];
		for (int i = 0; i < count; i++) {
			this.loops[i] = new EventLoop("echo-loop-" + (i + 1));
			this.loops[i].start();
		}
	}

	/** The loop the next connection is assigned to (round robin); called by the accepting threads. */
	EventLoop next() {
		return this.loops[Math.floorMod(this.next.getAndIncrement(), this.loops.length)];
	}

	/** Run a short task on the next loop; connections are served by their own loop, not through here. */
	@Override
	public void execute(Runnable task) {
		next().execute(task);
	}

	/**
	 * The loops as a pool: every loop is a thread, {@code activeThreads} are those handling
	 * events now, {@code queued} the tasks handed to loops and not run yet, {@code completedTasks}
	 * the passes through the loops. There is no queue bound and nothing is rejected.
	 */
	@Override
	public PoolState state() {
		int busy = 0;
		int queued = 0;
		long passes = 0;
		for (EventLoop loop : this.loops) {
			busy += loop.isBusy() ? 1 : 0;
			queued += loop.pendingTasks();
			passes += loop.passes();
		}
		int count = this.loops.length;
		return new PoolState("event-loop", count, count, count, busy, count, queued, null, passes, 0);
	}

	@Override
	public @Nullable ThreadPoolExecutor threadPool() {
		return null;
	}

	@Override
	public void shutdown(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (EventLoop loop : this.loops) {
			loop.shutdown(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
		}
	}

}
