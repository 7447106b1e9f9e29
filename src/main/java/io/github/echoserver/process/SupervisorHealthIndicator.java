package io.github.echoserver.process;

import java.util.List;
import java.util.Objects;

import io.github.echoserver.config.EchoProperties;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The supervisor's {@code echo} health component: UP while at least one worker listens and none
 * has been given up; DOWN before the workers listen, while they drain, and once a worker died
 * too often to be restarted (with the reason). A worker that is being restarted leaves it UP:
 * the others serve meanwhile, as {@code listening} in the details shows.
 */
class SupervisorHealthIndicator extends AbstractHealthIndicator {

	private final Supervisor supervisor;

	SupervisorHealthIndicator(Supervisor supervisor) {
		super("Echo supervisor health check failed");
		this.supervisor = supervisor;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		List<Worker> workers = this.supervisor.workers();
		long listening = workers.stream().filter((worker) -> worker.state() == WorkerState.LISTENING).count();
		List<String> failures = workers.stream().map(Worker::failure).filter(Objects::nonNull).toList();
		boolean up = this.supervisor.isRunning() && listening > 0 && failures.isEmpty();
		EchoProperties properties = this.supervisor.properties();
		builder.status(up ? "UP" : "DOWN")
			.withDetail("address", properties.address())
			.withDetail("port", this.supervisor.port())
			.withDetail("mode", properties.mode().value())
			.withDetail("io", properties.io().value())
			.withDetail("processes", workers.size())
			.withDetail("listening", listening)
			.withDetail("standby", this.supervisor.standbyState());
		Long standbyPid = this.supervisor.standbyPid();
		if (standbyPid != null) {
			builder.withDetail("standbyPid", standbyPid);
		}
		if (!failures.isEmpty()) {
			builder.withDetail("reason", String.join("; ", failures));
		}
	}

}
