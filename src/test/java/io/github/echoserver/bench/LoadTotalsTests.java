package io.github.echoserver.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadTotalsTests {

	@Test
	void aLoadThreadThatDidNotStopFailsTheRunInsteadOfVanishing() {
		LoadTotals totals = LoadTotals.sum(List.of(), 1, -1, false);
		assertThat(totals.failed()).isTrue();
		assertThat(totals.errors()).isEqualTo(1);
		assertThat(totals.firstError()).contains("did not stop");
	}

	@Test
	void theHardLimitFailsTheRun() {
		LoadTotals totals = LoadTotals.sum(List.of(), 0, -1, true);
		assertThat(totals.failed()).isTrue();
		assertThat(totals.firstError()).contains("--max-duration");
	}

}
