package io.github.echoserver.admin;

import io.github.echoserver.server.ServerStatus;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code echo} health component: UP while the TCP listener accepts connections, DOWN
 * otherwise (not started yet, failed, draining, or accepting fails, e.g. out of file
 * descriptors: then with the {@code reason}), with where it listens and how it serves.
 */
public class EchoHealthIndicator extends AbstractHealthIndicator {

	private final ServerStatus status;

	public EchoHealthIndicator(ServerStatus status) {
		super("Echo server health check failed");
		this.status = status;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		String acceptFailure = this.status.getAcceptFailure();
		builder.status((this.status.isListening() && acceptFailure == null) ? "UP" : "DOWN");
		if (acceptFailure != null) {
			builder.withDetail("reason", acceptFailure);
		}
		builder.withDetail("address", this.status.getAddress())
			.withDetail("port", this.status.getPort())
			.withDetail("mode", this.status.getProperties().mode().value())
			.withDetail("io", this.status.getProperties().io().value());
	}

}
