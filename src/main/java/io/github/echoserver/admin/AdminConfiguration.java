package io.github.echoserver.admin;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.server.ConnectionModel;
import io.github.echoserver.server.ServerStatus;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin side: endpoint, health component and meters.
 */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

	@Bean
	EchoEndpoint echoEndpoint(ServerStatus status, ConnectionRegistry registry, ConnectionModel model) {
		return new EchoEndpoint(status, registry, model);
	}

	/** Named so that the health component is called {@code echo}. */
	@Bean
	EchoHealthIndicator echoHealthIndicator(ServerStatus status) {
		return new EchoHealthIndicator(status);
	}

	@Bean
	EchoMetrics echoMetrics(ConnectionRegistry registry, ConnectionModel model) {
		return new EchoMetrics(registry, model);
	}

}
