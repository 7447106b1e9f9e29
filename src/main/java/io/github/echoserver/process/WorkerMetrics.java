package io.github.echoserver.process;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.admin.EchoMeter;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.ErrorType;
import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.connections.RejectionReason;

/**
 * The supervisor's meters: the {@code echo.*} meters of the README's Admin API section once per worker,
 * tagged {@code process} with its index and read from the copy of its figures the supervisor refreshes
 * every second ({@code executor.*} stay in the workers), and {@code echo.processes.restarts}. A
 * restarted worker's counters start again from zero, which Prometheus's {@code rate()} and {@code
 * increase()} treat as the counter reset it is.
 */
class WorkerMetrics implements MeterBinder {

	private final Supervisor supervisor;

	WorkerMetrics(Supervisor supervisor) {
		this.supervisor = supervisor;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (Worker worker : this.supervisor.workers()) {
			Tags process = Tags.of("process", String.valueOf(worker.index()));
			register(meters, EchoMeter.CONNECTIONS_ACTIVE, worker, process, (view) -> view.connections().active());
			register(meters, EchoMeter.CONNECTIONS_WAITING, worker, process, (view) -> view.connections().waiting());
			register(meters, EchoMeter.CONNECTIONS_ACCEPTED, worker, process, (view) -> view.connections().accepted());
			register(meters, EchoMeter.LINES, worker, process, (view) -> view.traffic().linesEchoed());
			register(meters, EchoMeter.LINES_DROPPED, worker, process, (view) -> view.traffic().linesDropped());
			register(meters, EchoMeter.BYTES_RECEIVED, worker, process, (view) -> view.traffic().bytesIn());
			register(meters, EchoMeter.BYTES_SENT, worker, process, (view) -> view.traffic().bytesOut());
			for (RejectionReason reason : RejectionReason.values()) {
				EchoMeter.CONNECTIONS_REJECTED.register(meters, worker,
						(it) -> it.counters().rejected().getOrDefault(reason.tag(), 0L),
						process.and("reason", reason.tag()));
			}
			for (Ending ending : Ending.values()) {
				EchoMeter.CONNECTIONS_CLOSED.register(meters, worker,
						(it) -> it.counters().closed().getOrDefault(ending.tag(), 0L),
						process.and("reason", ending.tag()));
			}
			for (ErrorType type : ErrorType.values()) {
				EchoMeter.ERRORS.register(meters, worker, (it) -> it.counters().errors().getOrDefault(type.tag(), 0L),
						process.and("type", type.tag()));
			}
			for (Listener listener : Listener.values()) {
				Tags tag = process.and("listener", listener.value());
				register(meters, EchoMeter.LISTENER_CONNECTIONS, worker, tag, (view) -> share(listener,
						view.connections().active(), (view.tls() != null) ? view.tls().active() : 0));
				register(meters, EchoMeter.LISTENER_ACCEPTED, worker, tag, (view) -> share(listener,
						view.connections().accepted(), (view.tls() != null) ? view.tls().accepted() : 0));
			}
			for (HandshakeResult result : HandshakeResult.values()) {
				register(meters, EchoMeter.TLS_HANDSHAKES, worker, process.and("result", result.tag()),
						(view) -> (view.tls() != null) ? view.tls().handshakes().of(result) : 0);
			}
			FunctionCounter.builder("echo.processes.restarts", worker, Worker::restarts)
				.description("Worker processes restarted after they died")
				.tags(process)
				.register(meters);
		}
	}

	/** A listener's share of a worker's figure: the TLS connections' own, the rest for clear text. */
	private static long share(Listener listener, long all, long tls) {
		return (listener == Listener.TLS) ? tls : all - tls;
	}

	/** One of the worker's figures from its last answer; a worker that has not answered since its start counts nothing yet. */
	private static void register(MeterRegistry meters, EchoMeter meter, Worker worker, Tags process,
			ToDoubleFunction<EchoDescriptor> figure) {
		meter.register(meters, worker, (it) -> {
			EchoDescriptor view = it.last();
			return (view != null) ? figure.applyAsDouble(view) : 0;
		}, process);
	}

}
