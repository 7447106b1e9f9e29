package io.github.echoserver.process;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the back-off before a dead worker is restarted, by its deaths within the window: at
 * once after the first, then 200 ms, doubling with each further death, and bounded.
 */
class RestartPolicyTests {

	@ParameterizedTest(name = "death {0} -> {1} ms")
	@CsvSource(textBlock = """
			1,  0
			2,  200
			3,  400
			4,  800
			5,  1600
			6,  3200
			12, 204800
			""")
	void restartsAtOnceThenAfter200MillisDoubling(int deaths, long millis) {
		assertThat(RestartPolicy.backoff(deaths)).isEqualTo(Duration.ofMillis(millis));
	}

	@Test
	void theDoublingStopsAfterTenTimes() {
		assertThat(RestartPolicy.backoff(13)).isEqualTo(RestartPolicy.backoff(12));
		assertThat(RestartPolicy.backoff(1_000)).isEqualTo(RestartPolicy.backoff(12));
		assertThat(RestartPolicy.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(200 * 1024));
	}

	@Test
	void everyBackOffBeforeAWorkerIsGivenUpIsShortOfTheWindow() {
		Duration total = Duration.ZERO;
		for (int deaths = 1; deaths < RestartPolicy.MAX_DEATHS; deaths++) {
			total = total.plus(RestartPolicy.backoff(deaths));
		}
		assertThat(total).isLessThan(RestartPolicy.DEATH_WINDOW);
	}

}
