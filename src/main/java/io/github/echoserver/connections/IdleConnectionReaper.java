package io.github.echoserver.connections;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import io.github.echoserver.protocol.ServerMessages;

/**
 * Closes served connections that sent nothing for {@code echo.idle-timeout}, with
 * {@code server bye# idle timeout}.
 * <p>
 * One sweep over the registry on a timer, rather than socket read timeouts, because it works
 * the same for blocking and NIO connections and holds no thread per connection. Waiting
 * connections are left alone: nothing has been read from them, so their silence says nothing.
 */
public class IdleConnectionReaper implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(IdleConnectionReaper.class);

	private static final long MAX_SWEEP_INTERVAL_MILLIS = 1000;

	private final ConnectionRegistry registry;

	private final long timeoutMillis;

	private @Nullable ScheduledExecutorService timer;

	public IdleConnectionReaper(ConnectionRegistry registry, Duration timeout) {
		this.registry = registry;
		this.timeoutMillis = timeout.toMillis();
	}

	@Override
	public void start() {
		if (this.timeoutMillis <= 0) {
			return;
		}
		// A quarter of the timeout keeps the overshoot small for the short timeouts tests use.
		long interval = Math.max(10, Math.min(MAX_SWEEP_INTERVAL_MILLIS, this.timeoutMillis / 4));
		ScheduledExecutorService newTimer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "echo-idle-reaper");
			thread.setDaemon(true);
			return thread;
		});
		newTimer.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
		this.timer = newTimer;
	}

	void sweep() {
		long deadline = System.currentTimeMillis() - this.timeoutMillis;
		for (TrackedConnection connection : this.registry.connections()) {
			if (connection.getState() == ConnectionState.SERVING && connection.getLastActivityMillis() <= deadline) {
				logger.info("Closing idle connection from " + connection.getRemoteAddress() + ":"
						+ connection.getRemotePort() + " (no bytes for " + this.timeoutMillis + " ms)");
				try {
					connection.getHandle().closeWith(ServerMessages.IDLE_TIMEOUT);
				}
				catch (RuntimeException ex) {
					logger.warn("Failed to close idle connection " + connection.getId() + ": " + ex);
				}
			}
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService timerToStop = this.timer;
		if (timerToStop != null) {
			timerToStop.shutdownNow();
			this.timer = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.timer != null;
	}

}
