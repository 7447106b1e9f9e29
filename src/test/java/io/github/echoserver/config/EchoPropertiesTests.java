package io.github.echoserver.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.echoserver.protocol.Framing;
import io.github.echoserver.testing.FailureReport;
import io.github.echoserver.testing.RunningServer;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that the {@code echo.*} properties bind to the defaults the README documents and that each
 * invalid value or combination stops the application at startup with a report naming the property.
 */
@ExtendWith(OutputCaptureExtension.class)
class EchoPropertiesTests {

	@Test
	void defaultsAreThoseOfTheDesign() {
		new ApplicationContextRunner().withUserConfiguration(BindEchoProperties.class).run((context) -> {
			assertThat(context).hasNotFailed();
			EchoProperties properties = context.getBean(EchoProperties.class);
			assertThat(properties.address()).isEqualTo("0.0.0.0");
			assertThat(properties.port()).isEqualTo(7007);
			assertThat(properties.mode()).isEqualTo(Mode.POOLED);
			assertThat(properties.io()).isEqualTo(Io.BLOCKING);
			assertThat(properties.virtualThreads()).isFalse();
			assertThat(properties.pool().size()).isEqualTo(8);
			assertThat(properties.pool().queueCapacity()).isEqualTo(64);
			assertThat(properties.framing()).isEqualTo(Framing.LINE);
			assertThat(properties.prefix()).isEqualTo("server echo# ");
			assertThat(properties.prefixBytes()).isEqualTo("server echo# ".getBytes(StandardCharsets.UTF_8));
			assertThat(properties.maxLineLength()).isEqualTo(8192);
			assertThat(properties.maxConnections()).isEqualTo(10000);
			assertThat(properties.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
			assertThat(properties.backlog()).isEqualTo(4096);
			assertThat(properties.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.linesPerConnection()).as("long-lived: until the client leaves").isZero();
			assertThat(properties.access().allow()).isEmpty();
			assertThat(properties.access().deny()).isEmpty();
			assertThat(properties.maxConnectionsPerClient()).isZero();
		});
	}

	@Test
	void valuesAreBoundFromTheirKebabCaseNames() {
		new ApplicationContextRunner().withUserConfiguration(BindEchoProperties.class)
			.withPropertyValues("echo.mode=per-connection", "echo.io=blocking", "echo.framing=raw",
					"echo.pool.queue-capacity=3", "echo.max-line-length=10", "echo.idle-timeout=0",
					"echo.prefix=>>")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				EchoProperties properties = context.getBean(EchoProperties.class);
				assertThat(properties.mode()).isEqualTo(Mode.PER_CONNECTION);
				assertThat(properties.framing()).isEqualTo(Framing.RAW);
				assertThat(properties.pool().queueCapacity()).isEqualTo(3);
				assertThat(properties.maxLineLength()).isEqualTo(10);
				assertThat(properties.idleTimeout()).isZero();
				assertThat(properties.prefix()).isEqualTo(">>");
			});
	}

	@Test
	void unknownModeStopsStartup(CapturedOutput output) {
		assertStartupFailsNaming(output, "echo.mode", "echo.mode=bogus");
		assertThat(FailureReport.lastIn(output).text())
			.contains("Invalid value 'bogus' for echo.mode: one of single, per-connection, pooled");
	}

	@Test
	void unknownIoStopsStartup(CapturedOutput output) {
		assertStartupFailsNaming(output, "echo.io", "echo.io=bogus");
		assertThat(FailureReport.lastIn(output).text()).contains("Invalid value 'bogus' for echo.io: one of blocking, nio");
	}

	@Test
	void unknownFramingStopsStartup(CapturedOutput output) {
		assertStartupFailsNaming(output, "echo.framing", "echo.framing=bogus");
		assertThat(FailureReport.lastIn(output).text()).contains("Invalid value 'bogus' for echo.framing: one of line, raw");
	}

	@Test
	void perConnectionWithNioStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.mode", "echo.mode=per-connection", "echo.io=nio");
		assertThat(messages(failure)).contains("echo.io");
		assertThat(invalidProperty(failure)).isEqualTo("echo.mode");
	}

	@Test
	void virtualThreadsWithPooledModeStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.virtual-threads", "echo.virtual-threads=true",
				"echo.mode=pooled");
		assertThat(invalidProperty(failure)).isEqualTo("echo.virtual-threads");
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualThreadsBeforeJava21StopStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.virtual-threads", "echo.virtual-threads=true",
				"echo.mode=per-connection");
		assertThat(messages(failure)).contains("Java 21");
		assertThat(output).contains("Java 21");
		assertThat(invalidProperty(failure)).isEqualTo("echo.virtual-threads");
	}

	@Test
	void negativePoolSizeStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.pool.size", "echo.pool.size=-1");
		assertThat(invalidProperty(failure)).isEqualTo("echo.pool.size");
	}

	@Test
	void negativeQueueCapacityStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.pool.queue-capacity", "echo.pool.queue-capacity=-1");
		assertThat(invalidProperty(failure)).isEqualTo("echo.pool.queue-capacity");
	}

	@Test
	void portOutOfRangeStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.port", "echo.port=70000");
		assertThat(messages(failure)).contains("65535");
		assertThat(invalidProperty(failure)).isEqualTo("echo.port");
	}

	@Test
	void zeroMaxLineLengthStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.max-line-length", "echo.max-line-length=0");
		assertThat(invalidProperty(failure)).isEqualTo("echo.max-line-length");
	}

	@Test
	void negativeIdleTimeoutStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.idle-timeout", "echo.idle-timeout=-1s");
		assertThat(invalidProperty(failure)).isEqualTo("echo.idle-timeout");
	}

	@Test
	void negativeLinesPerConnectionStopsStartupWithOneLine(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.lines-per-connection",
				"echo.lines-per-connection=-1");
		assertThat(invalidProperty(failure)).isEqualTo("echo.lines-per-connection");
		assertThat(FailureReport.lastIn(output).description())
			.isEqualTo("Invalid value '-1' for echo.lines-per-connection: a whole number >= 0");
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			echo.idle-timeout          | banana | a duration such as 30s, 5m or 0
			echo.line-timeout          | 30 sec | a duration such as 30s, 5m or 0
			echo.write-timeout         | soon   | a duration such as 30s, 5m or 0
			echo.shutdown-timeout      | 10x    | a duration such as 30s, 5m or 0
			echo.port                  | http   | a whole number
			echo.backlog               | 1.5    | a whole number
			echo.max-line-length       | 8k     | a whole number
			echo.max-connections       | lots   | a whole number
			echo.pool.size             | eight  | a whole number
			echo.pool.queue-capacity   | 1e3    | a whole number
			echo.virtual-threads       | maybe  | true or false
			""")
	void unparsableValueStopsStartupWithOneLine(String property, String value, String allowed,
			CapturedOutput output) {
		assertStartupFailsNaming(output, property, property + "=" + value);
		assertThat(FailureReport.lastIn(output).description())
			.isEqualTo("Invalid value '" + value + "' for " + property + ": " + allowed);
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			echo.access.allow | 10.0.0.0/33           | echo.access.allow[0] | 10.0.0.0/33
			echo.access.deny  | 127.0.0.2,banana      | echo.access.deny[1]  | banana
			echo.access.deny  | ::1/129               | echo.access.deny[0]  | ::1/129
			echo.access.allow | 10.0.0.0/8,::1,localhost | echo.access.allow[2] | localhost
			""")
	void anInvalidAccessEntryStopsStartupWithOneLineNamingKeyAndEntry(String property, String value, String key,
			String entry, CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, key, property + "=" + value);
		assertThat(invalidProperty(failure)).isEqualTo(key);
		assertThat(FailureReport.lastIn(output).description()).isEqualTo("Invalid value '" + entry + "' for " + key
				+ ": an IPv4 or IPv6 address or CIDR range, e.g. 10.0.0.0/8");
	}

	@Test
	void aNegativePerClientLimitStopsStartup(CapturedOutput output) {
		Throwable failure = assertStartupFailsNaming(output, "echo.max-connections-per-client",
				"echo.max-connections-per-client=-1");
		assertThat(invalidProperty(failure)).isEqualTo("echo.max-connections-per-client");
	}

	/**
	 * Start the whole application with {@code properties} on free ports, expect it to fail, and
	 * check that both the exception and Boot's failure report name {@code property}.
	 */
	private static Throwable assertStartupFailsNaming(CapturedOutput output, String property, String... properties) {
		Throwable failure = RunningServer.failToStart(properties);
		assertThat(messages(failure)).contains(property);
		assertThat(output).contains("APPLICATION FAILED TO START").contains("Description:");
		assertThat(FailureReport.lastIn(output).text()).contains(property);
		return failure;
	}

	/** The messages of the whole cause chain, one per line. */
	private static String messages(Throwable failure) {
		StringBuilder messages = new StringBuilder();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			messages.append(cause).append('\n');
		}
		return messages.toString();
	}

	/** The property named by the {@link InvalidEchoPropertyException} in the chain, if any. */
	private static String invalidProperty(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof InvalidEchoPropertyException invalid) {
				return invalid.getProperty();
			}
		}
		return null;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(EchoProperties.class)
	static class BindEchoProperties {

	}

}
