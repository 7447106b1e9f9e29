package io.github.echoserver.server;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds a blocking write made on behalf of someone else, and keeps whoever asked for it from
 * waiting. When the admin API, a timeout or the drain writes a line (or a waiting client's
 * replies) to a client that has stopped reading, the write can block for ever on a full send
 * buffer; closing the socket from here unblocks it.
 * <p>
 * Such a write runs on a thread of its own ({@code echo-ending-N}), one per write under way,
 * not on the caller's: the reaper and the drain end hundreds of connections in one pass, and
 * waiting for each in turn made that pass take a second per client that does not read
 * (issue 13). A fixed number of threads would do the same in batches. Each thread is busy for at
 * most {@link #WRITE_GRACE_MILLIS} and goes once idle for a moment.
 */
final class CloseWatchdog {

	/** How long a server line may take to write before the socket is closed under it. */
	static final long WRITE_GRACE_MILLIS = 1000;

	private static final long IDLE_ENDING_THREAD_MILLIS = 2000;

	private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-close-watchdog");
		thread.setDaemon(true);
		return thread;
	});

	private static final AtomicInteger ENDING_THREADS = new AtomicInteger();

	private static final ExecutorService ENDINGS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
			IDLE_ENDING_THREAD_MILLIS, TimeUnit.MILLISECONDS, new SynchronousQueue<>(), (task) -> {
				Thread thread = new Thread(task, "echo-ending-" + ENDING_THREADS.incrementAndGet());
				thread.setDaemon(true);
				return thread;
			});

	private CloseWatchdog() {
	}

	/**
	 * On a thread of its own, write, then close; if the write has not returned after
	 * {@link #WRITE_GRACE_MILLIS}, close under it, which makes it fail and return. Returns at once.
	 * @param write writes the server line
	 * @param close closes the connection (must be safe to call twice)
	 */
	static void writeThenCloseApart(Runnable write, Runnable close) {
		ENDINGS.execute(() -> writeThenClose(write, close));
	}

	private static void writeThenClose(Runnable write, Runnable close) {
		ScheduledFuture<?> forcedClose = TIMER.schedule(close, WRITE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
		try {
			write.run();
		}
		finally {
			forcedClose.cancel(false);
			close.run();
		}
	}

	/**
	 * Run {@code task} on the watchdog's thread after {@code delayMillis}; the task must not block.
	 * @param task what to run
	 * @param delayMillis how long to wait first
	 */
	static void runLater(Runnable task, long delayMillis) {
		TIMER.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
	}

}
