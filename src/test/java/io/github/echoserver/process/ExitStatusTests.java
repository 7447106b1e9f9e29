package io.github.echoserver.process;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that a worker's exit status is logged as a person reads it: the number as the JDK
 * reports it, and for 128 + n the signal n that killed the process when it is a common one.
 */
class ExitStatusTests {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', textBlock = """
			0   | status 0
			1   | status 1
			3   | status 3
			128 | status 128
			129 | status 129 (SIGHUP)
			130 | status 130 (SIGINT)
			131 | status 131 (SIGQUIT)
			132 | status 132 (SIGILL)
			134 | status 134 (SIGABRT)
			135 | status 135
			137 | status 137 (SIGKILL)
			139 | status 139 (SIGSEGV)
			143 | status 143 (SIGTERM)
			255 | status 255
			""")
	void describesTheStatusAndTheSignalBehindIt(int status, String described) {
		assertThat(ExitStatus.describe(status)).isEqualTo(described);
	}

}
