package io.github.echoserver.process;

import io.github.echoserver.admin.EchoView;
import io.github.echoserver.config.ConditionalOnProcessRole;
import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.ProcessRole;
import io.github.echoserver.config.WorkerIdentity;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.server.EchoServerLifecycle;
import io.github.echoserver.server.ServerStatus;

import org.springframework.boot.ApplicationArguments;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The multi-process model's beans: in the supervisor, the {@link Supervisor} with its admin
 * view, health component and meters (it has no TCP server beans); in a worker, its end of the
 * control channel, next to the TCP server every serving process has.
 */
@Configuration(proxyBeanMethods = false)
class ProcessConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProcessRole(ProcessRole.SUPERVISOR)
	static class SupervisorBeans {

		@Bean
		Supervisor supervisor(EchoProperties properties, ApplicationArguments arguments,
				ApplicationEventPublisher publisher) {
			return new Supervisor(properties, arguments.getSourceArgs(), publisher);
		}

		@Bean
		EchoView supervisorView(Supervisor supervisor) {
			return new SupervisorView(supervisor);
		}

		/** Named so that the health component is called {@code echo}, as in a single process. */
		@Bean
		SupervisorHealthIndicator echoHealthIndicator(Supervisor supervisor) {
			return new SupervisorHealthIndicator(supervisor);
		}

		@Bean
		WorkerMetrics workerMetrics(Supervisor supervisor) {
			return new WorkerMetrics(supervisor);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProcessRole(ProcessRole.WORKER)
	static class WorkerBeans {

		@Bean
		WorkerAgent workerAgent(Environment environment, EchoView view, ConnectionRegistry registry,
				EchoServerLifecycle listener, ServerStatus status) {
			WorkerIdentity identity = WorkerIdentity.of(environment);
			if (identity == null) {
				throw new IllegalStateException("A worker without a worker identity");
			}
			return new WorkerAgent(identity, view, () -> WorkerCounters.of(registry), listener, status);
		}

	}

}
