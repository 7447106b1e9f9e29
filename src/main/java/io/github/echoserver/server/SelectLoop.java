package io.github.echoserver.server;

import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jspecify.annotations.Nullable;

/**
 * The NIO factory's select loop as our connections see it: they can wake it, or hand it a
 * task to run on its thread at the start of its next pass, before the selected keys are handled.
 * <p>
 * Waking matters after a close: a channel closed while registered with a selector keeps its
 * file descriptor until that selector's next select, and Spring Integration's select waits
 * without a timeout, so on an idle server closed sockets would stay open until the next client
 * (see {@link EchoNioServerConnectionFactory}).
 */
final class SelectLoop {

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private volatile @Nullable Selector selector;

	/**
	 * Run {@code task} on the select loop's thread, at the start of its next pass.
	 * @param task a short, non-blocking task
	 */
	void execute(Runnable task) {
		this.tasks.add(task);
		wakeup();
	}

	/** Make the select loop run a pass now (a no-op before it has started). */
	private void wakeup() {
		Selector toWake = this.selector;
		if (toWake != null) {
			toWake.wakeup();
		}
	}

	/**
	 * Called by the factory on the select loop's thread at the start of every pass.
	 * @param currentSelector the factory's selector
	 */
	void runTasks(Selector currentSelector) {
		this.selector = currentSelector;
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			task.run();
		}
	}

}
