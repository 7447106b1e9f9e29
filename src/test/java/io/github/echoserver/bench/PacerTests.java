package io.github.echoserver.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	@Test
	void theConnectionsTogetherMakeTheRateTakingTurns() {
		Pacer pacer = new Pacer(settings(4, 1000));
		List<Long> dues = new ArrayList<>();
		for (int id = 0; id < 4; id++) {
			LoadConnection connection = connection(id);
			pacer.start(connection, 0);
			for (long due = pacer.take(connection); due < SECOND; due = pacer.take(connection)) {
				dues.add(due);
			}
		}
		assertThat(dues).hasSize(1000).doesNotHaveDuplicates();
		// Each connection every 4 ms, connection id 1 ms after id - 1: one line every millisecond in all.
		assertThat(dues.stream().sorted().toList()).startsWith(0L, 1_000_000L, 2_000_000L, 3_000_000L, 4_000_000L);
	}

	@Test
	void aHighRateIsNotLostToRounding() {
		// 3 connections at 7,000,000 lines/s: 428.57 ns apart each; rounded to 429 ns, 1,500 lines a second would be lost.
		Pacer pacer = new Pacer(settings(3, 7_000_000));
		LoadConnection connection = connection(0);
		pacer.start(connection, 0);
		long count = 0;
		while (pacer.take(connection) < SECOND) {
			count++;
		}
		assertThat(count).isBetween(2_333_333L, 2_333_334L);
	}

	@Test
	void aLateLineKeepsItsDueTime() {
		Pacer pacer = new Pacer(settings(2, 100));
		LoadConnection connection = connection(1);
		pacer.start(connection, 5 * SECOND);
		assertThat(pacer.nextDue(connection)).isEqualTo(5 * SECOND + 10_000_000L);
		assertThat(pacer.take(connection)).isEqualTo(5 * SECOND + 10_000_000L);
		// Nothing is skipped however late the caller is: the next line is due 20 ms later.
		assertThat(pacer.take(connection)).isEqualTo(5 * SECOND + 30_000_000L);
	}

	@Test
	void linesDueWithinAMillisecondLeaveTogetherAndAreTimedFromWhenTheyLeft() {
		assertThat(Pacer.mayLeave(1_000_000, 1_000_000)).isTrue();
		assertThat(Pacer.mayLeave(1_999_999, 1_000_000)).isTrue();
		assertThat(Pacer.mayLeave(2_000_000, 1_000_000)).isFalse();
		// Late: timed from the due time (coordinated omission); early: from when it left.
		assertThat(Pacer.latencyOrigin(1_000, 5_000)).isEqualTo(1_000);
		assertThat(Pacer.latencyOrigin(5_000, 4_500)).isEqualTo(4_500);
	}

	private static LoadConnection connection(int id) {
		return new LoadConnection(id, new PayloadGenerator(16), 1);
	}

	private static BenchSettings settings(int connections, int rate) {
		Target target = new Target("127.0.0.1:7007", new InetSocketAddress(InetAddress.getLoopbackAddress(), 7007));
		return new BenchSettings(BenchMode.ECHO, target, connections, 1, rate, 16, 0, 1, 1, 5, 60, 1000, 31, false);
	}

}
