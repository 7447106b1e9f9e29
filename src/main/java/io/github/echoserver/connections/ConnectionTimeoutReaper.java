package io.github.echoserver.connections;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Closes served connections that stall: silent for {@code echo.idle-timeout}
 * ({@code server bye# idle timeout}), or holding an unfinished line for {@code echo.line-timeout}
 * ({@code server bye# line timeout}: a client trickling bytes without ever ending a line), or
 * not reading its replies for {@code echo.write-timeout} (closed without a line: none could
 * reach it), or not completing its TLS handshake within {@code echo.ssl.handshake-timeout}
 * (closed without a line). Closing the socket ends a write or a handshake blocked on it.
 * <p>
 * One sweep over the registry on a timer, rather than socket read timeouts, because it works
 * the same for blocking and NIO connections and holds no thread per connection. Waiting
 * connections are left alone: nothing has been read from them, so their silence says nothing.
 */
public class ConnectionTimeoutReaper implements SmartLifecycle {

	private static final long MAX_SWEEP_INTERVAL_MILLIS = 1000;

	private final ConnectionRegistry registry;

	private final long idleTimeoutMillis;

	private final long lineTimeoutMillis;

	private final long writeTimeoutMillis;

	private final long handshakeTimeoutMillis;

	private @Nullable ScheduledExecutorService timer;

	public ConnectionTimeoutReaper(ConnectionRegistry registry, Duration idleTimeout, Duration lineTimeout,
			Duration writeTimeout) {
		this(registry, idleTimeout, lineTimeout, writeTimeout, Duration.ZERO);
	}

	/**
	 * @param handshakeTimeout bound of a TLS handshake; 0 when the server has no TLS
	 */
	public ConnectionTimeoutReaper(ConnectionRegistry registry, Duration idleTimeout, Duration lineTimeout,
			Duration writeTimeout, Duration handshakeTimeout) {
		this.registry = registry;
		this.idleTimeoutMillis = idleTimeout.toMillis();
		this.lineTimeoutMillis = lineTimeout.toMillis();
		this.writeTimeoutMillis = writeTimeout.toMillis();
		this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
	}

	@Override
	public void start() {
		long shortest = shortestTimeout();
		if (shortest <= 0) {
			return;
		}
		// A quarter of the timeout keeps the overshoot small for the short timeouts tests use.
		long interval = Math.max(10, Math.min(MAX_SWEEP_INTERVAL_MILLIS, shortest / 4));
		ScheduledExecutorService newTimer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "echo-timeouts");
			thread.setDaemon(true);
			return thread;
		});
		newTimer.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
		this.timer = newTimer;
	}

	private long shortestTimeout() {
		return java.util.stream.LongStream
			.of(this.idleTimeoutMillis, this.lineTimeoutMillis, this.writeTimeoutMillis, this.handshakeTimeoutMillis)
			.filter((timeout) -> timeout > 0)
			.min()
			.orElse(0);
	}

	void sweep() {
		long now = System.currentTimeMillis();
		for (TrackedConnection connection : this.registry.connections()) {
			Ending ending = overdue(connection, now);
			if (ending != null) {
				connection.getHandle().end(ending);
			}
		}
	}

	/** Which timeout, if any, this connection has run out of; the connection logs and counts it. */
	private @Nullable Ending overdue(TrackedConnection connection, long now) {
		if (connection.getState() != ConnectionState.SERVING) {
			return null;
		}
		long handshakeStarted = connection.getHandshakeStartedMillis();
		if (this.handshakeTimeoutMillis > 0 && handshakeStarted > 0
				&& now - handshakeStarted >= this.handshakeTimeoutMillis) {
			return Ending.HANDSHAKE_TIMEOUT;
		}
		long writeStarted = connection.getWriteStartedMillis();
		if (this.writeTimeoutMillis > 0 && writeStarted > 0 && now - writeStarted >= this.writeTimeoutMillis) {
			return Ending.WRITE_TIMEOUT;
		}
		if (this.idleTimeoutMillis > 0 && now - connection.getLastActivityMillis() >= this.idleTimeoutMillis) {
			return Ending.IDLE_TIMEOUT;
		}
		long lineStarted = connection.getLineStartedMillis();
		if (this.lineTimeoutMillis > 0 && lineStarted > 0 && now - lineStarted >= this.lineTimeoutMillis) {
			return Ending.LINE_TIMEOUT;
		}
		return null;
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
