package io.github.echoserver.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnectionInterceptorFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnectionInterceptorFactoryChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection whose setup fails after it was admitted (here: Spring Integration's interceptor
 * factory throws as it wraps the first connection, a test-only fault) ends through the registry
 * like any other: it is no longer counted as active, it is counted closed once, and the next
 * client is served. Both I/O kinds, and the blocking kind in both of its models.
 */
class SetupFailureTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@ParameterizedTest(name = "io={0}, mode={1}")
	@CsvSource({ "nio, pooled", "blocking, pooled", "blocking, per-connection" })
	void aConnectionWhoseSetupFailsAfterAdmissionIsForgottenAndTheNextClientIsServed(String io, String mode) {
		try (RunningServer server = RunningServer.startWith(new Class<?>[] { FailFirstSetup.class }, "echo.io=" + io,
				"echo.mode=" + mode)) {
			try (EchoClient failed = server.connect()) {
				assertThat(new String(failed.readToEnd(), StandardCharsets.US_ASCII))
					.as("what the client whose setup failed gets before the server closes")
					.isEqualTo("server error# internal error\r\n");
			}
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.registry().active()).as("active connections").isZero();
				assertThat(server.registry().closed()).as("closed connections").isEqualTo(1);
			});
			try (EchoClient next = server.connect()) {
				next.sendLine("after");
				assertThat(next.readLine()).isEqualTo("server echo# after");
			}
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(server.registry().active()).as("active connections").isZero();
				assertThat(server.registry().accepted()).as("accepted connections").isEqualTo(2);
				assertThat(server.registry().closed()).as("closed connections").isEqualTo(2);
			});
		}
	}

	/** Gives the connection factory an interceptor factory that fails for the first connection only. */
	@Configuration(proxyBeanMethods = false)
	static class FailFirstSetup {

		@Bean
		static BeanPostProcessor failFirstConnectionSetup() {
			return new BeanPostProcessor() {

				@Override
				public Object postProcessBeforeInitialization(Object bean, String beanName) {
					if (bean instanceof AbstractServerConnectionFactory factory) {
						TcpConnectionInterceptorFactoryChain chain = new TcpConnectionInterceptorFactoryChain();
						chain.setInterceptor(() -> {
							// Once: every later connection is left unwrapped, as without a chain.
							chain.setInterceptors(new TcpConnectionInterceptorFactory[0]);
							throw new IllegalStateException("test fault: the first connection's setup fails");
						});
						factory.setInterceptorFactoryChain(chain);
					}
					return bean;
				}

			};
		}

	}

}
