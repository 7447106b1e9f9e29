package io.github.echoserver.process;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.connections.ErrorType;
import io.github.echoserver.connections.RejectionReason;

/**
 * The supervisor's meters: the {@code echo.*} meters of DESIGN.md §5 once per worker, tagged
 * {@code process} with its index and read from the copy of its figures the supervisor refreshes
 * every second ({@code executor.*} stay in the workers), and {@code echo.processes.restarts}. A restarted worker's counters start again
 * from zero, which Prometheus's {@code rate()} and {@code increase()} treat as the counter reset
 * it is.
 */
class WorkerMetrics implements MeterBinder {

	private final Supervisor supervisor;

	WorkerMetrics(Supervisor supervisor) {
		this.supervisor = supervisor;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (Worker worker : this.supervisor.workers()) {
			String process = String.valueOf(worker.index());
			gauge(meters, "echo.connections.active", "Open connections, waiting ones included", worker, process,
					(view) -> view.connections().active());
			gauge(meters, "echo.connections.waiting", "Open connections that no worker has started to read", worker,
					process, (view) -> view.connections().waiting());
			counter(meters, "echo.connections.accepted", "Connections taken on", worker, process,
					(view) -> view.connections().accepted());
			counter(meters, "echo.connections.closed", "Connections closed", worker, process,
					(view) -> view.connections().closed());
			counter(meters, "echo.lines", "Lines echoed", worker, process, (view) -> view.traffic().linesEchoed());
			counter(meters, "echo.bytes.received", null, worker, process, (view) -> view.traffic().bytesIn());
			counter(meters, "echo.bytes.sent", null, worker, process, (view) -> view.traffic().bytesOut());
			for (RejectionReason reason : RejectionReason.values()) {
				FunctionCounter
					.builder("echo.connections.rejected", worker,
							(it) -> it.counters().rejected().getOrDefault(reason.tag(), 0L))
					.description("Connections refused with server busy#")
					.tags("reason", reason.tag(), "process", process)
					.register(meters);
			}
			for (ErrorType type : ErrorType.values()) {
				FunctionCounter
					.builder("echo.errors", worker, (it) -> it.counters().errors().getOrDefault(type.tag(), 0L))
					.description("Connections closed for breaking a rule or after a failure")
					.tags("type", type.tag(), "process", process)
					.register(meters);
			}
			FunctionCounter.builder("echo.processes.restarts", worker, Worker::restarts)
				.description("Worker processes restarted after they died")
				.tag("process", process)
				.register(meters);
		}
	}

	private static void gauge(MeterRegistry meters, String name, String description, Worker worker, String process,
			ToDoubleFunction<EchoDescriptor> figure) {
		Gauge.builder(name, worker, (it) -> read(it, figure)).description(description).tag("process", process).register(meters);
	}

	private static void counter(MeterRegistry meters, String name, @Nullable String description,
			Worker worker, String process, ToDoubleFunction<EchoDescriptor> figure) {
		FunctionCounter.Builder<Worker> builder = FunctionCounter.builder(name, worker, (it) -> read(it, figure))
			.tag("process", process);
		if (description != null) {
			builder.description(description);
		}
		else {
			builder.baseUnit("bytes");
		}
		builder.register(meters);
	}

	/** A worker that has not answered since its start counts nothing yet. */
	private static double read(Worker worker, ToDoubleFunction<EchoDescriptor> figure) {
		EchoDescriptor view = worker.last();
		return (view != null) ? figure.applyAsDouble(view) : 0;
	}

}
