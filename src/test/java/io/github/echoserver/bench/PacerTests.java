package io.github.echoserver.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The schedule of {@code --rate} on a clock the tests move by hand: which line is due when,
 * and that no second, and no measured window, ever holds more than the rate.
 */
class PacerTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private static final long MILLISECOND = TimeUnit.MILLISECONDS.toNanos(1);

	/** A run without an end to its window: every slot may be taken. */
	private static final RunSchedule ENDLESS = new RunSchedule(0, 0, Long.MAX_VALUE, Long.MAX_VALUE);

	@Test
	void theConnectionsTogetherMakeTheRateTakingTurns() {
		Pacer pacer = new Pacer(settings(4, 1000), ENDLESS);
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
		Pacer pacer = new Pacer(settings(3, 7_000_000), ENDLESS);
		LoadConnection connection = connection(0);
		pacer.start(connection, 0);
		long count = 0;
		while (pacer.take(connection) < SECOND) {
			count++;
		}
		// Slots 0, 3, ..., 6,999,999 of the 7,000,000 in the first second.
		assertThat(count).isEqualTo(2_333_334L);
	}

	@Test
	void aLateLineKeepsItsDueTime() {
		Pacer pacer = new Pacer(settings(2, 100), ENDLESS);
		LoadConnection connection = connection(1);
		// Ready at 5 s: slot 500 (5 s) is connection 0's, slot 501 (10 ms later) its own.
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

	/**
	 * Slot k + rate is due exactly one second after slot k, at any rate the command accepts and
	 * a week into a run: the schedule neither drifts nor overflows.
	 */
	@ParameterizedTest(name = "rate {0}")
	@CsvSource({ "1", "3", "7", "100", "999", "7000000", "9999999", "10000000" })
	void slotsOneRateApartAreExactlyOneSecondApart(int rate) {
		Pacer pacer = new Pacer(settings(3, rate), ENDLESS);
		long aWeek = TimeUnit.DAYS.toSeconds(7) * rate;
		for (long slot : new long[] { 0, 1, 2, rate - 1L, rate, 12_345_678L, aWeek - 1, aWeek }) {
			assertThat(pacer.dueOf(slot + rate) - pacer.dueOf(slot)).as("slot %d", slot).isEqualTo(SECOND);
		}
	}

	/**
	 * Connections that join the schedule at any moment (echo mode: when they connect) still
	 * never put more than the rate into any second: sorted, due time i + rate is at least a
	 * second after due time i. The join times come from a fixed seed.
	 */
	@ParameterizedTest(name = "{0} connections at {1}/s")
	@CsvSource({ "1, 1", "3, 7", "7, 3", "4, 100", "3, 100", "6, 999", "16, 1000", "5, 65537" })
	void noSecondHoldsMoreThanTheRateWhateverTheConnectionsJoin(int connections, int rate) {
		Pacer pacer = new Pacer(settings(connections, rate), ENDLESS);
		SplittableRandom random = new SplittableRandom(connections * 31L + rate);
		List<Long> dues = new ArrayList<>();
		for (int id = 0; id < connections; id++) {
			LoadConnection connection = connection(id);
			long joins = (id == 0) ? 0 : random.nextLong(SECOND + SECOND / 2);
			pacer.start(connection, joins);
			assertThat(pacer.nextDue(connection)).as("first due of connection %d", id).isGreaterThanOrEqualTo(joins);
			for (long due = pacer.take(connection); due < 4 * SECOND; due = pacer.take(connection)) {
				dues.add(due);
			}
		}
		long[] sorted = dues.stream().mapToLong(Long::longValue).sorted().toArray();
		assertThat(sorted.length).as("slots taken").isPositive();
		for (int i = 0; i + rate < sorted.length; i++) {
			assertThat(sorted[i + rate] - sorted[i]).as("due %d and due %d", i, i + rate).isGreaterThanOrEqualTo(SECOND);
		}
	}

	/**
	 * A paced run driven like the loads drive it, on a fake clock: the selector wakes at
	 * irregular moments, every connection takes each slot that may leave (up to a millisecond
	 * early), and a reply counts for the window by the time its latency counts from. The run
	 * that once reported 201 cycles in 2 s at 100/s counts exactly 200; one whose cycles take
	 * long enough to fall behind counts fewer, never more.
	 */
	@ParameterizedTest(name = "{0} connections at {1}/s, warm-up {2} s, cycles up to {3} ms")
	@CsvSource({ "4, 100, 0, 0", "4, 100, 1, 0", "3, 7, 0, 0", "4, 100, 0, 60", "4, 100, 1, 60", "3, 1000, 1, 5" })
	void aPacedRunNeverCountsMoreThanTheRateTimesItsWindow(int connections, int rate, int warmupSeconds,
			int cycleMillis) {
		int durationSeconds = 2;
		RunSchedule schedule = new RunSchedule(0, warmupSeconds * SECOND, (warmupSeconds + durationSeconds) * SECOND,
				60 * SECOND);
		Pacer pacer = new Pacer(settings(connections, rate), schedule);
		SplittableRandom random = new SplittableRandom(connections * 31L + rate + warmupSeconds + cycleMillis);
		List<LoadConnection> slots = new ArrayList<>();
		long[] busyUntil = new long[connections];
		for (int id = 0; id < connections; id++) {
			slots.add(connection(id));
			pacer.start(slots.get(id), schedule.start());
		}
		long measured = 0;
		for (long now = 0; now < schedule.measureEnd(); now += random.nextLong(MILLISECOND + MILLISECOND / 2)) {
			for (LoadConnection connection : slots) {
				while (busyUntil[connection.id] <= now && pacer.mayTake(connection, now)) {
					long due = pacer.take(connection);
					assertThat(due).as("a slot taken").isLessThan(schedule.measureEnd());
					long origin = Pacer.latencyOrigin(due, now);
					busyUntil[connection.id] = now + ((cycleMillis == 0) ? 0 : random.nextLong(cycleMillis * MILLISECOND));
					if (schedule.inWindow(origin)) {
						measured++;
					}
				}
			}
		}
		long most = (long) rate * durationSeconds;
		System.out.printf("PacerTests: %d connections at %d/s, warm-up %d s, cycles up to %d ms: %d of %d counted%n",
				connections, rate, warmupSeconds, cycleMillis, measured, most);
		assertThat(measured).isPositive().isLessThanOrEqualTo(most);
		if (cycleMillis == 0 && warmupSeconds == 0) {
			assertThat(measured).as("every slot of the window, none beyond it").isEqualTo(most);
		}
	}

	private static LoadConnection connection(int id) {
		return new LoadConnection(id, new PayloadGenerator(16), 1);
	}

	private static BenchSettings settings(int connections, int rate) {
		Target target = new Target("127.0.0.1:7007", new InetSocketAddress(InetAddress.getLoopbackAddress(), 7007));
		return new BenchSettings(BenchMode.ECHO, target, connections, 1, rate, 16, 0, 1, 1, 5, 60, 1000, 31, false, null);
	}

}
