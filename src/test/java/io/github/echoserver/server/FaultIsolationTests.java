package io.github.echoserver.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.GlobalChannelInterceptor;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.support.ChannelInterceptor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that an exception thrown while handling one connection's line (injected by a test-only
 * channel interceptor) closes that connection with {@code server error# internal error} and
 * leaves the workers, the accept loop and every other connection serving, in both I/O flavours.
 */
class FaultIsolationTests {

	private static final byte[] POISON = "boom".getBytes(StandardCharsets.US_ASCII);

	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void aFailureEndsOnlyTheConnectionItHappenedOn(String io) {
		try (RunningServer server = RunningServer.startWith(new Class<?>[] { FaultInjection.class },
				"echo.io=" + io, "echo.pool.size=2"); EchoClient victim = server.connect();
				EchoClient bystander = server.connect()) {
			victim.sendLine("fine");
			assertThat(victim.readLine()).isEqualTo("server echo# fine");
			victim.sendLine("boom");
			assertThat(victim.readLine()).isEqualTo("server error# internal error");
			assertThat(victim.isClosedByServer()).isTrue();
			bystander.sendLine("still here");
			assertThat(bystander.readLine()).isEqualTo("server echo# still here");
			// The worker that met the failure is still there, and new clients are accepted and served.
			for (int i = 0; i < 4; i++) {
				try (EchoClient newcomer = server.connect()) {
					newcomer.sendLine("new " + i);
					assertThat(newcomer.readLine()).isEqualTo("server echo# new " + i);
				}
			}
			assertThat(server.registry().internalErrors()).isEqualTo(1);
		}
	}

	/** Throws on the request channel when the line is exactly {@code boom}. */
	@Configuration(proxyBeanMethods = false)
	static class FaultInjection {

		@Bean
		@GlobalChannelInterceptor(patterns = "*")
		ChannelInterceptor poisonLine() {
			return new ChannelInterceptor() {

				@Override
				public Message<?> preSend(Message<?> message, MessageChannel channel) {
					if (message.getPayload() instanceof byte[] bytes && Arrays.equals(bytes, POISON)) {
						throw new IllegalStateException("fault injected by FaultIsolationTests");
					}
					return message;
				}

			};
		}

	}

}
