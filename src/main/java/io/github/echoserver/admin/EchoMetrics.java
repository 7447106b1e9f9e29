package io.github.echoserver.admin;

import java.util.concurrent.ThreadPoolExecutor;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.ErrorType;
import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.server.ConnectionModel;
import io.github.echoserver.server.EventLoopModel;
import io.github.echoserver.server.ListenQueue;

/**
 * The {@code echo.*} meters of the README's Admin API section and {@code executor.*{name="echo-workers"}}.
 * Every meter reads the registry's own counters when scraped, so the per-line path pays for no
 * meter at all. The workers' pool is not a bean (a pool bean would delay shutdown for as long as
 * a client stays connected: docs/architecture.md, Spring Integration point 6), so its executor
 * meters are bound here.
 */
public class EchoMetrics implements MeterBinder {

	private final ConnectionRegistry registry;

	private final ConnectionModel model;

	private final ListenQueue listenQueue;

	public EchoMetrics(ConnectionRegistry registry, ConnectionModel model, ListenQueue listenQueue) {
		this.registry = registry;
		this.model = model;
		this.listenQueue = listenQueue;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		ConnectionRegistry r = this.registry;
		Tags none = Tags.empty();
		EchoMeter.CONNECTIONS_ACTIVE.register(meters, r, ConnectionRegistry::active, none);
		EchoMeter.CONNECTIONS_WAITING.register(meters, r, ConnectionRegistry::waiting, none);
		EchoMeter.CONNECTIONS_ACCEPTED.register(meters, r, ConnectionRegistry::accepted, none);
		for (Ending ending : Ending.values()) {
			EchoMeter.CONNECTIONS_CLOSED.register(meters, r, (it) -> it.closed(ending),
					Tags.of("reason", ending.tag()));
		}
		for (RejectionReason reason : RejectionReason.values()) {
			EchoMeter.CONNECTIONS_REJECTED.register(meters, r, (it) -> it.rejected(reason),
					Tags.of("reason", reason.tag()));
		}
		EchoMeter.LINES.register(meters, r, ConnectionRegistry::linesEchoed, none);
		EchoMeter.LINES_DROPPED.register(meters, r, ConnectionRegistry::linesDropped, none);
		EchoMeter.BYTES_RECEIVED.register(meters, r, ConnectionRegistry::bytesReceived, none);
		EchoMeter.BYTES_SENT.register(meters, r, ConnectionRegistry::bytesSent, none);
		for (ErrorType type : ErrorType.values()) {
			EchoMeter.ERRORS.register(meters, r, type::count, Tags.of("type", type.tag()));
		}
		for (Listener listener : Listener.values()) {
			Tags tag = Tags.of("listener", listener.value());
			EchoMeter.LISTENER_CONNECTIONS.register(meters, r, (it) -> it.active(listener), tag);
			EchoMeter.LISTENER_ACCEPTED.register(meters, r, (it) -> it.accepted(listener), tag);
		}
		for (HandshakeResult result : HandshakeResult.values()) {
			EchoMeter.TLS_HANDSHAKES.register(meters, r, (it) -> it.tlsHandshakes(result),
					Tags.of("result", result.tag()));
		}
		bindListenQueue(meters);
		ThreadPoolExecutor pool = this.model.threadPool();
		if (pool != null) {
			new ExecutorServiceMetrics(pool, ConnectionModel.WORKERS_NAME, Tags.empty()).bindTo(meters);
		}
		else if (this.model instanceof EventLoopModel) {
			bindEventLoops(meters);
		}
	}

	/**
	 * The kernel's figures for the listener, registered only where the platform has them (Linux):
	 * elsewhere there is no such meter, rather than one that always says NaN.
	 */
	private void bindListenQueue(MeterRegistry meters) {
		ListenQueue queue = this.listenQueue;
		if (queue.showsLength()) {
			EchoMeter.LISTEN_QUEUE.register(meters, queue, (it) -> {
				ListenQueue.Length length = it.length();
				return (length != null) ? length.current() : Double.NaN;
			}, Tags.empty());
		}
		if (queue.countsDrops()) {
			EchoMeter.LISTEN_OVERFLOWS.register(meters, queue, (it) -> orNaN(it.overflows()), Tags.empty());
			EchoMeter.LISTEN_DROPS.register(meters, queue, (it) -> orNaN(it.drops()), Tags.empty());
		}
	}

	private static double orNaN(@Nullable Long count) {
		return (count != null) ? count : Double.NaN;
	}

	/**
	 * The event loops under the executor meters' names, so that one dashboard serves both I/O
	 * kinds: every loop is a thread of the pool, {@code active} those handling events now.
	 */
	private void bindEventLoops(MeterRegistry meters) {
		Tags name = Tags.of("name", ConnectionModel.WORKERS_NAME);
		ConnectionModel loops = this.model;
		Gauge.builder("executor.pool.core", loops, (it) -> it.state().coreSize())
			.tags(name)
			.baseUnit("threads")
			.register(meters);
		Gauge.builder("executor.pool.max", loops, (it) -> it.state().maxSize()).tags(name).baseUnit("threads").register(meters);
		Gauge.builder("executor.pool.size", loops, (it) -> it.state().poolSize())
			.tags(name)
			.baseUnit("threads")
			.register(meters);
		Gauge.builder("executor.active", loops, (it) -> it.state().activeThreads())
			.tags(name)
			.baseUnit("threads")
			.register(meters);
		Gauge.builder("executor.queued", loops, (it) -> it.state().queued()).tags(name).baseUnit("tasks").register(meters);
	}

}
