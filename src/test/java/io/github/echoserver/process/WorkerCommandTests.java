package io.github.echoserver.process;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.echoserver.EchoServerApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker's command line is the supervisor's own, run in this test JVM: its {@code java}, its
 * JVM options, its class path and arguments, with the port the supervisor settled instead of the
 * user's (Spring would otherwise read two values of {@code echo.port} as {@code "0,4242"}) and
 * no web server.
 */
class WorkerCommandTests {

	@Test
	void runsThisJvmsJavaWithItsOptionsAndClassPath() {
		List<String> command = WorkerCommand.of(new String[0], 4242).command();

		assertThat(command.get(0)).endsWith("java");
		List<String> options = ManagementFactory.getRuntimeMXBean().getInputArguments();
		assertThat(command.subList(1, 1 + options.size())).isEqualTo(options);
		int classPath = command.indexOf("-cp");
		assertThat(classPath).isPositive();
		assertThat(command.get(classPath + 1)).isEqualTo(System.getProperty("java.class.path"));
		assertThat(command.get(classPath + 2)).isEqualTo(EchoServerApplication.class.getName());
	}

	@Test
	void replacesThePortAndTheWebApplicationTypeAndKeepsEveryOtherArgumentInOrder() {
		List<String> command = WorkerCommand.of(new String[] { "--echo.port=0", "--echo.mode=single",
				"--spring.main.web-application-type=servlet", "--echo.io=blocking", "--echo.processes=4" }, 4242)
			.command();

		List<String> arguments = command.subList(command.indexOf(EchoServerApplication.class.getName()) + 1,
				command.size());
		assertThat(arguments).containsExactly("--echo.mode=single", "--echo.io=blocking", "--echo.processes=4",
				"--echo.port=4242", "--spring.main.web-application-type=none");
	}

	@Test
	void exitsOnOutOfMemoryErrorUnlessTheUserChoseWhatHappensThen() {
		List<String> command = WorkerCommand.of(new String[0], 4242).command();
		boolean chosen = ManagementFactory.getRuntimeMXBean()
			.getInputArguments()
			.stream()
			.anyMatch((option) -> option.contains("OutOfMemoryError"));

		assertThat(command.contains("-XX:+ExitOnOutOfMemoryError")).isEqualTo(!chosen);
		assertThat(command.stream().filter((part) -> part.contains("OutOfMemoryError")).count()).isLessThanOrEqualTo(1);
	}

}
