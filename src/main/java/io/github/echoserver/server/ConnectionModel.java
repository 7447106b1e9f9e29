package io.github.echoserver.server;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.Io;
import io.github.echoserver.config.Mode;

/**
 * A concurrency model (README, "The models"): the threads that serve connections, their bound, and
 * what happens to work beyond the bound. The connection factory's own accept loop never runs
 * here (see {@link ServerExecutor}).
 * <p>
 * With blocking I/O each task is a whole connection (the reader lives as long as the socket);
 * with NIO the workers are event loops that each own the connections assigned to them.
 */
public sealed interface ConnectionModel extends AutoCloseable permits PerConnectionModel, PooledModel, EventLoopModel {

	/** The name of the workers' executor, as in the {@code executor.*} metrics. */
	String WORKERS_NAME = "echo-workers";

	/**
	 * Pick the model that {@code echo.mode} and {@code echo.io} describe.
	 * @param properties the validated properties
	 * @return a started model
	 */
	static ConnectionModel of(EchoProperties properties) {
		if (properties.io() == Io.NIO) {
			// EchoProperties has refused per-connection with nio.
			return new EventLoopModel((properties.mode() == Mode.SINGLE) ? 1 : properties.pool().size());
		}
		return switch (properties.mode()) {
			// The one worker's waiting clients are bounded by the connection limit alone.
			case SINGLE -> new SingleModel(properties.maxConnections());
			case PER_CONNECTION -> new PerConnectionModel(properties.virtualThreads());
			case POOLED -> new PooledModel(properties.pool().size(), properties.pool().queueCapacity());
		};
	}

	/**
	 * Run connection work on a worker.
	 * @param task a blocking connection; a connection that finds every worker busy and the queue
	 * full is refused with {@code server busy#}
	 */
	void execute(Runnable task);

	/** A snapshot of the workers for the admin API. */
	PoolState state();

	/** The pool behind this model, for executor metrics; {@code null} when there is none. */
	@Nullable ThreadPoolExecutor threadPool();

	/**
	 * Stop the workers: no new work, then wait up to {@code timeout} for running tasks (blocking
	 * readers end as soon as their sockets are closed; event loops after their current pass),
	 * then interrupt what is left.
	 * @param timeout the bound of the wait
	 */
	void shutdown(Duration timeout);

	@Override
	default void close() {
		shutdown(Duration.ofSeconds(1));
	}

}
