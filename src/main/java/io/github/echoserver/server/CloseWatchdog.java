package io.github.echoserver.server;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds a blocking write made on behalf of someone else. When the admin API, the idle timeout
 * or the drain writes a bye line to a client that has stopped reading, the write can block for
 * ever on a full send buffer; closing the socket from here unblocks it.
 */
final class CloseWatchdog {

	/** How long a server line may take to write before the socket is closed under it. */
	static final long WRITE_GRACE_MILLIS = 1000;

	private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-close-watchdog");
		thread.setDaemon(true);
		return thread;
	});

	private CloseWatchdog() {
	}

	/**
	 * Write, then close; if the write has not returned after {@link #WRITE_GRACE_MILLIS}, close
	 * under it, which makes it fail and return.
	 * @param write writes the server line
	 * @param close closes the connection (must be safe to call twice)
	 */
	static void writeThenClose(Runnable write, Runnable close) {
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
