package io.github.echoserver.process;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.WorkerIdentity;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Test-only: gives chosen worker processes a port some other socket holds, so that their
 * listener really fails to bind, as it would on a port taken between the supervisor's check and
 * the worker's bind. A test adds it to the application's sources with Spring Boot's own
 * {@code --spring.main.sources=io.github.echoserver.process.TakenPortForWorker}; the supervisor
 * passes its arguments on to every worker, whose class path (the tests') has this class. Before
 * any bean binds {@code echo.*}, it puts the taken port first among the property sources of the
 * worker processes the properties below name, and does nothing anywhere else:
 * <ul>
 * <li>{@code taken-port.port}: the port taken (held by the test);</li>
 * <li>{@code taken-port.worker}: the index of the worker whose processes get it;</li>
 * <li>{@code taken-port.from-start}: from which start of that worker on (0: its first process;
 * 1: every process after the first, a crash loop);</li>
 * <li>{@code taken-port.standby}: {@code true} to give it the standby too, whose listener then
 * fails when it is told to take a worker's place.</li>
 * </ul>
 */
public class TakenPortForWorker implements BeanFactoryPostProcessor, EnvironmentAware {

	private @Nullable ConfigurableEnvironment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = (ConfigurableEnvironment) environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		ConfigurableEnvironment environment = this.environment;
		if (environment == null) {
			return;
		}
		WorkerIdentity identity = WorkerIdentity.of(environment);
		String port = environment.getProperty("taken-port.port");
		if (identity == null || port == null) {
			return;
		}
		boolean worker = identity.index() == environment.getProperty("taken-port.worker", Integer.class, -1)
				&& identity.start() >= environment.getProperty("taken-port.from-start", Integer.class, 0);
		boolean standby = identity.standby() && environment.getProperty("taken-port.standby", Boolean.class, false);
		if (worker || standby) {
			environment.getPropertySources()
				.addFirst(new MapPropertySource("taken-port", Map.of("echo.port", port)));
		}
	}

	/** The arguments that give worker {@code worker}'s processes, from start {@code fromStart} on, the taken {@code port}. */
	static String[] arguments(int port, int worker, int fromStart, boolean standby) {
		return new String[] { "spring.main.sources=" + TakenPortForWorker.class.getName(),
				"taken-port.port=" + port, "taken-port.worker=" + worker, "taken-port.from-start=" + fromStart,
				"taken-port.standby=" + standby };
	}

}
