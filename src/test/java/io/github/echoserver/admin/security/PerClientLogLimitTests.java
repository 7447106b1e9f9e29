package io.github.echoserver.admin.security;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the refusal log's limit on a clock of the test's own: one line per address and
 * interval, the refusals in between folded into the next line's count, addresses apart.
 */
class PerClientLogLimitTests {

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

	private final PerClientLogLimit limit = new PerClientLogLimit(INTERVAL, this.now::get);

	@Test
	void theFirstRefusalIsToldAtOnce() {
		assertThat(this.limit.refused("192.0.2.1")).isEqualTo(1);
	}

	@Test
	void refusalsWithinTheIntervalAreFoldedIntoTheNextLine() {
		assertThat(this.limit.refused("192.0.2.1")).isEqualTo(1);
		advance(Duration.ofMillis(300));
		assertThat(this.limit.refused("192.0.2.1")).isZero();
		advance(Duration.ofMillis(699));
		assertThat(this.limit.refused("192.0.2.1")).isZero();
		advance(Duration.ofMillis(1));
		assertThat(this.limit.refused("192.0.2.1")).as("two folded and this one").isEqualTo(3);
		assertThat(this.limit.refused("192.0.2.1")).isZero();
	}

	@Test
	void eachAddressHasItsOwnInterval() {
		assertThat(this.limit.refused("192.0.2.1")).isEqualTo(1);
		assertThat(this.limit.refused("192.0.2.2")).isEqualTo(1);
		assertThat(this.limit.refused("192.0.2.1")).isZero();
		assertThat(this.limit.refused("192.0.2.2")).isZero();
	}

	@Test
	void manyAddressesAreForgottenOnceTheirIntervalIsOver() {
		for (int i = 0; i < PerClientLogLimit.MAX_TRACKED; i++) {
			assertThat(this.limit.refused("10.0." + (i / 256) + "." + (i % 256))).isEqualTo(1);
		}
		assertThat(this.limit.refused("10.0.0.0")).as("still within its interval").isZero();
		advance(INTERVAL);
		assertThat(this.limit.refused("192.0.2.1")).isEqualTo(1);
		assertThat(this.limit.tracked()).as("the addresses whose interval was over were forgotten").isEqualTo(1);
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

}
