package io.github.echoserver.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The figures of a whole run: the counters of every load thread added up, their latencies in
 * one histogram, and what the connections got each.
 * @param connectOk connects that succeeded
 * @param connectFailed connects that failed or never completed
 * @param closedEarly connections the server closed, or that failed, while in use
 * @param connectionsWithReply connections with at least one matching reply in the window
 * @param replies matching replies in the window (connect mode: complete cycles; trickle mode:
 *     connections the server closed); with {@code --rate}, those of lines (cycles) scheduled in
 *     the window, so never more than rate × duration
 * @param bytesIn bytes read in the window
 * @param bytesOut bytes written in the window
 * @param outstanding requests still owed a reply on the connections open at the end
 * @param perConnection matching replies in the window of each connection, sorted
 * @param latency nanoseconds, from request (connect mode: from connect; with {@code --rate}: from
 *     the scheduled time) to reply; trickle mode: from connect to the server's close
 * @param errors connect failures, lost connections, timeouts, faults of the bench
 * @param mismatches reply lines that were not, byte for byte, the reply owed
 * @param timeouts connects, replies or cycles slower than {@code --timeout}
 * @param allConnectedNanos time until every connect had succeeded or failed (hold mode: and every
 *     connection was verified); -1 in connect mode, or when the run ended first
 * @param hold the hold-mode counts added up
 * @param trickle the trickle-mode counts added up
 * @param tlsHandshakes with {@code --tls}: handshakes completed in the whole run
 * @param tlsProtocol with {@code --tls}: the protocol of the first handshake completed, null if none
 * @param firstError what went wrong first, if anything
 * @param firstMismatch the first reply that was wrong, and what was owed
 * @param cpuPercent CPU the bench process used in the window, in % of one core (-1: not known, or
 *     hold mode); on a machine it shares with the server, what the bench took from it
 * @param stoppedAtHardLimit whether the run was cut at {@code --max-duration}
 */
record LoadTotals(long connectOk, long connectFailed, long closedEarly, long connectionsWithReply, long replies,
		long bytesIn, long bytesOut, long outstanding, long[] perConnection, Histogram latency, long errors,
		long mismatches, long timeouts, long allConnectedNanos, HoldCounts hold, TrickleCounts trickle,
		long tlsHandshakes, @Nullable String tlsProtocol, @Nullable String firstError,
		@Nullable String firstMismatch, double cpuPercent, boolean stoppedAtHardLimit) {

	/**
	 * Hold mode's own counts.
	 * @param answeredInitial connections whose first line was answered
	 * @param heldOpen connections still open at the end of the hold
	 * @param closedDuringHold connections closed while idle
	 * @param answeredFinal connections whose final line was answered
	 */
	record HoldCounts(long answeredInitial, long heldOpen, long closedDuringHold, long answeredFinal) {
	}

	/**
	 * Trickle mode's own counts.
	 * @param closesByLine connections the server closed, by the first line it sent (or why none came),
	 *     most frequent first
	 * @param trickledBytes bytes sent, one at a time
	 * @param openAtEnd connections open when the run ended
	 */
	record TrickleCounts(Map<String, Long> closesByLine, long trickledBytes, long openAtEnd) {

		/** Closes that came with exactly this line, e.g. {@code server bye# line timeout}. */
		long closedWith(String line) {
			return this.closesByLine.getOrDefault(line, 0L);
		}

	}

	/**
	 * Add up the loads whose threads have ended.
	 * @param loads the ended loads (their counters are no longer written)
	 * @param unfinished loads whose thread did not end: their figures are missing, an error
	 * @param cpuPercent CPU of the bench in the window
	 * @param stoppedAtHardLimit whether the run was cut short
	 */
	static LoadTotals sum(List<Load> loads, int unfinished, double cpuPercent, boolean stoppedAtHardLimit) {
		Histogram latency = new Histogram(3);
		long connectOk = 0, connectFailed = 0, closedEarly = 0, replies = 0, bytesIn = 0, bytesOut = 0;
		long errors = 0, mismatches = 0, timeouts = 0;
		long allConnectedNanos = 0;
		long answeredInitial = 0, heldOpen = 0, closedDuringHold = 0, answeredFinal = 0;
		long trickledBytes = 0, openAtEnd = 0;
		Map<String, Long> closesByLine = new LinkedHashMap<>();
		long withReply = 0, outstanding = 0, tlsHandshakes = 0;
		String tlsProtocol = null;
		String firstError = null;
		String firstMismatch = null;
		int connections = loads.stream().mapToInt((load) -> load.connections.size()).sum();
		long[] perConnection = new long[connections];
		int index = 0;
		for (Load load : loads) {
			LoadCounters counters = load.counters;
			latency.add(counters.latency);
			connectOk += counters.connectOk;
			connectFailed += counters.connectFailed;
			closedEarly += counters.closedEarly;
			replies += counters.measuredReplies;
			bytesIn += counters.measuredBytesIn;
			bytesOut += counters.measuredBytesOut;
			errors += counters.errors;
			mismatches += counters.mismatches;
			timeouts += counters.timeouts;
			// One thread that never got there makes the whole run "never".
			allConnectedNanos = (allConnectedNanos < 0 || counters.allConnectedAfter < 0) ? -1
					: Math.max(allConnectedNanos, counters.allConnectedAfter);
			answeredInitial += counters.answeredInitial;
			heldOpen += counters.heldOpen;
			closedDuringHold += counters.closedDuringHold;
			answeredFinal += counters.answeredFinal;
			trickledBytes += counters.trickledBytes;
			openAtEnd += counters.openAtEnd;
			counters.closesByLine.forEach((line, count) -> closesByLine.merge(line, count, Long::sum));
			tlsHandshakes += counters.tlsHandshakes;
			if (tlsProtocol == null) {
				tlsProtocol = counters.tlsProtocol;
			}
			if (firstError == null) {
				firstError = counters.firstError;
			}
			if (firstMismatch == null) {
				firstMismatch = counters.firstMismatch;
			}
			outstanding += counters.outstanding;
			for (LoadConnection connection : load.connections) {
				perConnection[index++] = connection.measuredReplies;
				withReply += (connection.measuredReplies > 0) ? 1 : 0;
			}
		}
		Arrays.sort(perConnection);
		if (unfinished > 0) {
			errors += unfinished;
			firstError = unfinished + " load thread(s) did not stop: their figures are missing";
		}
		if (stoppedAtHardLimit) {
			errors++;
			if (firstError == null) {
				firstError = "stopped at the hard time limit (--max-duration)";
			}
		}
		return new LoadTotals(connectOk, connectFailed, closedEarly, withReply, replies, bytesIn, bytesOut, outstanding,
				perConnection, latency, errors, mismatches, timeouts, (loads.isEmpty()) ? -1 : allConnectedNanos,
				new HoldCounts(answeredInitial, heldOpen, closedDuringHold, answeredFinal),
				new TrickleCounts(mostFrequentFirst(closesByLine), trickledBytes, openAtEnd), tlsHandshakes, tlsProtocol,
				firstError, firstMismatch,
				cpuPercent, stoppedAtHardLimit);
	}

	private static Map<String, Long> mostFrequentFirst(Map<String, Long> counts) {
		Map<String, Long> sorted = new LinkedHashMap<>();
		counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.forEach((entry) -> sorted.put(entry.getKey(), entry.getValue()));
		return sorted;
	}

	/** Whether scripts should hear that the run went wrong: exit code 1. */
	boolean failed() {
		return this.errors > 0 || this.mismatches > 0;
	}

	/** Matching replies in the window of the connection at quantile {@code q} (0: the least served). */
	long perConnectionAt(double q) {
		if (this.perConnection.length == 0) {
			return 0;
		}
		return this.perConnection[(int) Math.min(this.perConnection.length - 1, q * this.perConnection.length)];
	}

}
