package io.github.echoserver.admin;

import io.github.echoserver.config.ConditionalOnProcessRole;
import io.github.echoserver.config.ProcessRole;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.server.ConnectionModel;
import io.github.echoserver.server.ListenQueue;
import io.github.echoserver.server.ServerStatus;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin side: endpoint, health component and meters. The endpoint shows an
 * {@link EchoView}; in a process that serves, the view, the health component and the meters
 * read this process's registry and model. The supervisor of the multi-process model brings its
 * own (package {@code process}).
 */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

	@Bean
	EchoEndpoint echoEndpoint(EchoView view) {
		return new EchoEndpoint(view);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProcessRole({ ProcessRole.SINGLE, ProcessRole.WORKER })
	static class ServingProcessAdmin {

		@Bean
		LocalEchoView localEchoView(ServerStatus status, ConnectionRegistry registry, ConnectionModel model,
				ListenQueue listenQueue) {
			return new LocalEchoView(status, registry, model, listenQueue);
		}

		/** Named so that the health component is called {@code echo}. */
		@Bean
		EchoHealthIndicator echoHealthIndicator(ServerStatus status) {
			return new EchoHealthIndicator(status);
		}

		@Bean
		EchoMetrics echoMetrics(ConnectionRegistry registry, ConnectionModel model, ListenQueue listenQueue) {
			return new EchoMetrics(registry, model, listenQueue);
		}

	}

}
