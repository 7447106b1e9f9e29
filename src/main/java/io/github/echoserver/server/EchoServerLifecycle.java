package io.github.echoserver.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.TrackedConnection;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;

/**
 * Starts the TCP listener, and on shutdown drains it (the README's Shutdown section).
 * <p>
 * Start: start the inbound adapter (and with it the connection factory) and wait until the socket is
 * bound, so that a started context is a listening server or a failed startup. Stop, before the admin HTTP server stops: readiness goes to
 * {@code REFUSING_TRAFFIC}, the listening socket is closed, every open connection
 * stops reading, answers the lines it has read and says {@code server bye# shutting down}; what
 * is still open at {@code echo.shutdown-timeout} is closed. Spring Integration has no drain of
 * its own: stopping the factory closes every socket at once and loses replies in flight.
 */
public class EchoServerLifecycle implements SmartLifecycle {

	/** Stops before the web server's graceful shutdown, so the admin API sees the drain. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	private static final Log logger = LogFactory.getLog(EchoServerLifecycle.class);

	private static final long LISTEN_TIMEOUT_MILLIS = 10_000;

	private static final long DRAIN_POLL_MILLIS = 10;

	/** How long the connections ended when the shutdown timeout ran out may take to close, together. */
	private static final long LAST_PASS_WAIT_MILLIS = CloseWatchdog.WRITE_GRACE_MILLIS + 200;

	private final EchoProperties properties;

	private final List<TcpReceivingChannelAdapter> inbounds;

	private final List<AcceptControl> listeners;

	private final ConnectionModel model;

	private final ConnectionRegistry registry;

	private final ServerStatus status;

	private final ApplicationEventPublisher publisher;

	private final ListenerGate gate;

	private volatile boolean running;

	/**
	 * @param gate what the listener waits for before it binds; released by {@link #start()}. A
	 * gate closed from the start (a standby worker of the multi-process model) also keeps this
	 * lifecycle from starting with the context: it starts when the supervisor says so
	 */
	EchoServerLifecycle(EchoProperties properties, List<TcpReceivingChannelAdapter> inbounds,
			List<AcceptControl> listeners, ConnectionModel model, ConnectionRegistry registry,
			ServerStatus status, ApplicationEventPublisher publisher, ListenerGate gate) {
		this.gate = gate;
		this.properties = properties;
		this.inbounds = List.copyOf(inbounds);
		this.listeners = List.copyOf(listeners);
		this.model = model;
		this.registry = registry;
		this.status = status;
		this.publisher = publisher;
	}

	@Override
	public void start() {
		// The lifecycle processor or the outbound adapter may have started the factory already.
		this.gate.release();
		this.inbounds.forEach(TcpReceivingChannelAdapter::start);
		this.status.awaitListening(LISTEN_TIMEOUT_MILLIS);
		this.running = true;
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		long started = System.nanoTime();
		Duration timeout = this.properties.shutdownTimeout();
		long deadline = started + timeout.toNanos();
		AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		// New clients are refused by the kernel from now on (on every listener); open connections carry on.
		this.listeners.forEach(AcceptControl::stopAccepting);
		int draining = this.registry.active();
		logger.info("Draining " + draining + " connection(s), at most " + timeout.toMillis() + " ms");
		for (TrackedConnection connection : this.registry.connections()) {
			connection.getHandle().drain();
		}
		awaitNoConnections(deadline);
		int left = this.registry.active();
		if (left > 0) {
			logger.warn("Closing " + left + " connection(s) that did not finish draining in time");
			for (TrackedConnection connection : this.registry.connections()) {
				connection.getHandle().end(Ending.DRAIN_TIMEOUT);
			}
			// Each end returns at once and its connection closes at once, or within the watchdog's
			// grace when a write must fail first: one wait for them all, not one per connection.
			awaitNoConnections(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LAST_PASS_WAIT_MILLIS));
		}
		this.inbounds.forEach(TcpReceivingChannelAdapter::stop);
		this.model.shutdown(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)).plusMillis(100));
		logger.info("Drained " + draining + " connection(s) in " + (System.nanoTime() - started) / 1_000_000 + " ms");
	}

	private void awaitNoConnections(long deadline) {
		while (this.registry.active() > 0 && System.nanoTime() < deadline) {
			try {
				Thread.sleep(DRAIN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	@Override
	public boolean isAutoStartup() {
		return this.gate.openFromTheStart();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
