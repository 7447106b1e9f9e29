package io.github.echoserver.server;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * {@code echo.mode: per-connection}: a new thread for every connection, a virtual one with
 * {@code echo.virtual-threads: true}. Nothing waits and nothing is refused here; the connection
 * limit is the only bound.
 */
public final class PerConnectionModel implements ConnectionModel {

	private final SimpleAsyncTaskExecutor executor;

	private final boolean virtualThreads;

	private final AtomicInteger running = new AtomicInteger();

	private final LongAdder completed = new LongAdder();

	public PerConnectionModel(boolean virtualThreads) {
		this.virtualThreads = virtualThreads;
		this.executor = new SimpleAsyncTaskExecutor("echo-conn-");
		// EchoProperties has already refused virtual threads before Java 21, where this throws.
		this.executor.setVirtualThreads(virtualThreads);
	}

	@Override
	public void execute(Runnable task) {
		this.executor.execute(() -> {
			this.running.incrementAndGet();
			try {
				task.run();
			}
			finally {
				this.running.decrementAndGet();
				this.completed.increment();
			}
		});
	}

	@Override
	public PoolState state() {
		return new PoolState(this.virtualThreads ? "virtual-thread-per-connection" : "thread-per-connection", null,
				null, null, this.running.get(), null, null, null, this.completed.sum(), 0);
	}

	@Override
	public @Nullable ThreadPoolExecutor threadPool() {
		return null;
	}

	@Override
	public void shutdown(Duration timeout) {
		// Threads end with their connections, which the drain has closed; nothing is pooled.
		this.executor.close();
	}

}
