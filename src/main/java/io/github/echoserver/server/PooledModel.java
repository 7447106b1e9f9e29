package io.github.echoserver.server;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@code echo.mode: pooled} with blocking I/O: a fixed pool of workers and a bounded queue. A
 * worker serves one connection until it closes, so {@code size} clients are served at once and
 * {@code queueCapacity} more wait; the next one is refused with {@code server busy#} by
 * {@link RefuseConnectionPolicy} (the factory's own handling would log an ERROR and drop the
 * socket without a word, docs/architecture.md, Spring Integration point 3).
 */
public sealed class PooledModel implements ConnectionModel permits SingleModel {

	private final ThreadPoolTaskExecutor executor;

	private final int queueCapacity;

	private final LongAdder rejected = new LongAdder();

	public PooledModel(int size, int queueCapacity) {
		this.queueCapacity = queueCapacity;
		this.executor = new ThreadPoolTaskExecutor();
		this.executor.setBeanName(WORKERS_NAME);
		this.executor.setThreadNamePrefix("echo-worker-");
		this.executor.setCorePoolSize(size);
		this.executor.setMaxPoolSize(size);
		this.executor.setQueueCapacity(queueCapacity);
		this.executor.setRejectedExecutionHandler(countRejections(new RefuseConnectionPolicy()));
		this.executor.initialize();
	}

	private RejectedExecutionHandler countRejections(RejectedExecutionHandler policy) {
		return (task, pool) -> {
			this.rejected.increment();
			policy.rejectedExecution(task, pool);
		};
	}

	@Override
	public void execute(Runnable task) {
		this.executor.execute(task);
	}

	@Override
	public PoolState state() {
		ThreadPoolExecutor pool = this.executor.getThreadPoolExecutor();
		return new PoolState("thread-pool", pool.getCorePoolSize(), pool.getMaximumPoolSize(), pool.getPoolSize(),
				pool.getActiveCount(), pool.getLargestPoolSize(), pool.getQueue().size(), this.queueCapacity,
				pool.getCompletedTaskCount(), this.rejected.sum());
	}

	@Override
	public @Nullable ThreadPoolExecutor threadPool() {
		return this.executor.getThreadPoolExecutor();
	}

	@Override
	public void shutdown(Duration timeout) {
		ThreadPoolExecutor pool = this.executor.getThreadPoolExecutor();
		pool.shutdown();
		try {
			if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				pool.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			pool.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Refuses a blocking connection that finds every worker busy and the queue full: the
	 * client gets {@code server busy#} and the connection is closed properly (close event, counters).
	 */
	static final class RefuseConnectionPolicy implements RejectedExecutionHandler {

		@Override
		public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
			if (task instanceof EchoNetConnection connection) {
				connection.refuseBecausePoolIsFull();
			}
			else {
				throw new RejectedExecutionException("Worker pool full");
			}
		}

	}

}
