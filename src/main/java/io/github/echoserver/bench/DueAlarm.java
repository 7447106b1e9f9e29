package io.github.echoserver.bench;

import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a paced load's selector when its next line is due. {@link Selector#select(long)} counts
 * whole milliseconds: waiting in it alone, a line would leave up to a millisecond late, and
 * parking instead would leave replies unread as long. So the I/O thread waits in the selector,
 * woken at once by replies, and this daemon thread wakes it at the due time, a few tens of
 * microseconds late at most (the timer slack of a parked thread).
 */
final class DueAlarm {

	private static final long NONE = Long.MAX_VALUE;

	private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final Selector selector;

	private final AtomicLong wakeAt = new AtomicLong(NONE);

	private final Thread thread;

	private volatile boolean stopped;

	DueAlarm(Selector selector, String name) {
		this.selector = selector;
		this.thread = new Thread(this::run, name);
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** Wake the selector at {@link System#nanoTime()} {@code at}, instead of any earlier setting. */
	void set(long at) {
		long previous = this.wakeAt.getAndSet(at);
		if (at < previous) {
			LockSupport.unpark(this.thread);
		}
	}

	void stop() {
		this.stopped = true;
		LockSupport.unpark(this.thread);
	}

	private void run() {
		while (!this.stopped) {
			long at = this.wakeAt.get();
			if (at == NONE) {
				LockSupport.parkNanos(this, IDLE_PARK_NANOS);
				continue;
			}
			long left = at - System.nanoTime();
			if (left > 0) {
				// Woken early by set() or spuriously: look at the time again.
				LockSupport.parkNanos(this, left);
			}
			else if (this.wakeAt.compareAndSet(at, NONE)) {
				this.selector.wakeup();
			}
		}
	}

}
