package io.github.echoserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.github.echoserver.testing.FailureReport;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.ServerProcess;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that a key under {@code echo.} that no property has stops the application at startup
 * with one line naming it and, when one is close, the key that was probably meant; and that the
 * known keys still start it.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownEchoPropertyTests {

	private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

	@Test
	void mistypedKeyOnTheCommandLineStopsStartupNamingTheKeyMeant(CapturedOutput output) {
		assertThat(assertStartupFails(output, "echo.mdoe=single").description())
			.isEqualTo("Unknown property echo.mdoe; did you mean echo.mode?");
	}

	@Test
	void mistypedNestedKeyStopsStartupNamingTheKeyMeant(CapturedOutput output) {
		assertThat(assertStartupFails(output, "echo.pool.sise=4").description())
			.isEqualTo("Unknown property echo.pool.sise; did you mean echo.pool.size?");
	}

	@Test
	void keyLikeNoOtherStopsStartupNamingOnlyTheKey(CapturedOutput output) {
		FailureReport report = assertStartupFails(output, "echo.proxy-protocol=v1");
		assertThat(report.description()).isEqualTo("Unknown property echo.proxy-protocol");
		assertThat(report.text()).contains("echo.mode").contains("echo.pool.queue-capacity");
	}

	@Test
	void unknownKeyInAConfigurationFileStopsStartupNamingTheFile(@TempDir Path directory, CapturedOutput output)
			throws IOException {
		Path file = directory.resolve("application.yml");
		Files.writeString(file, """
				echo:
				  mode: single
				  max-conections: 10
				""");
		FailureReport report = assertStartupFails(output, "spring.config.additional-location=file:" + file);
		assertThat(report.description())
			.isEqualTo("Unknown property echo.max-conections; did you mean echo.max-connections?");
		assertThat(report.text()).contains(file.getFileName().toString());
	}

	@Test
	void severalUnknownKeysAreNamedOnOneLine(CapturedOutput output) {
		assertThat(assertStartupFails(output, "echo.mdoe=single", "echo.proxy-protocol=v1").description())
			.isEqualTo("Unknown properties echo.mdoe (did you mean echo.mode?), echo.proxy-protocol");
	}

	@Test
	void knownKeysStartTheServer() {
		try (RunningServer server = RunningServer.start("echo.mode=single", "echo.io=nio", "echo.pool.size=2",
				"echo.pool.queue-capacity=3", "echo.max-line-length=100", "echo.standby-process=false")) {
			assertThat(server.context().getBean(EchoProperties.class).mode()).isEqualTo(Mode.SINGLE);
		}
	}

	@Test
	void mistypedKeyEndsTheProcessWithAFailureStatusAndNoStackTrace() {
		try (ServerProcess child = ServerProcess.start("echo.mdoe=single")) {
			assertThat(child.awaitExit(CHILD_TIMEOUT)).as("the child ended").isTrue();
			assertThat(child.exitValue()).isNotZero();
			assertThat(child.lines()).contains("Unknown property echo.mdoe; did you mean echo.mode?")
				.noneMatch((line) -> line.startsWith("\tat ") || line.contains("Exception in thread"));
		}
	}

	@Test
	void unknownEnvironmentVariablesAndSystemPropertiesOnlyWarn() {
		try (ServerProcess child = ServerProcess
			.startWithEnvironment(List.of("-Decho.idle-timout=1s", "-Decho.line-timeout=5s"),
					Map.of("ECHO_MDOE", "per-connection", "ECHO_UNRELATED", "1", "ECHO_POOL_QUEUE_CAPACITY", "3",
							"ECHO_MAXLINELENGTH", "100"),
					"echo.mode=single")
			.awaitListening(CHILD_TIMEOUT)) {
			assertThat(child.output())
				.contains("Unknown environment variable ECHO_MDOE ignored (it would set echo.mdoe); did you mean ECHO_MODE?")
				.contains("Unknown environment variable ECHO_UNRELATED ignored (it would set echo.unrelated)\n")
				.contains("Unknown system property echo.idle-timout ignored; did you mean echo.idle-timeout?")
				.doesNotContain("ECHO_POOL_QUEUE_CAPACITY")
				.doesNotContain("ECHO_MAXLINELENGTH")
				.doesNotContain("echo.line-timeout")
				.contains("mode=single");
		}
	}

	@Test
	void knownNamesComeFromThePropertiesRecord() {
		assertThat(EchoPropertyNames.known()).contains("echo.mode", "echo.max-line-length", "echo.pool.size",
				"echo.pool.queue-capacity", "echo.standby-process")
			.doesNotContain("echo.pool");
	}

	@Test
	void onlyACloseKeyIsSuggested() {
		assertThat(EchoPropertyNames.closestTo("echo.prot")).hasValue("echo.port");
		assertThat(EchoPropertyNames.closestTo("echo.maxLineLenght")).hasValue("echo.max-line-length");
		assertThat(EchoPropertyNames.closestTo("echo.idle-timout")).hasValue("echo.idle-timeout");
		assertThat(EchoPropertyNames.closestTo("echo.proxy-protocol")).isEmpty();
		assertThat(EchoPropertyNames.closestTo("echo.x")).isEmpty();
	}

	/**
	 * Start the whole application with {@code properties} on free ports and expect it to fail
	 * without a stack trace.
	 * @return its failure report
	 */
	private static FailureReport assertStartupFails(CapturedOutput output, String... properties) {
		RunningServer.failToStart(properties);
		assertThat(output).contains("APPLICATION FAILED TO START").doesNotContain("\tat org.springframework");
		return FailureReport.lastIn(output);
	}

}
