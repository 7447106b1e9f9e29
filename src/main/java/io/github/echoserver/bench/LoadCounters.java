package io.github.echoserver.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.jspecify.annotations.Nullable;

/**
 * What one load thread has counted. Every field is written by that thread alone and read by the
 * progress line once a second, so volatile is enough (no increment ever races another); the
 * final figures are read once the thread has ended.
 */
final class LoadCounters {

	/** Latencies of the measured window in nanoseconds, 3 significant digits (0.1 %). */
	final Histogram latency = new Histogram(3);

	/** Latencies of every phase, taken apart each second for the progress line. */
	final SingleWriterRecorder recentLatency = new SingleWriterRecorder(3);

	// Whole run, for the progress line.
	volatile long replies;

	volatile long bytesIn;

	volatile long bytesOut;

	volatile long open;

	// The measured window, for the result.
	volatile long measuredReplies;

	volatile long measuredBytesIn;

	volatile long measuredBytesOut;

	// Anything that went wrong; errors include connect failures, losses and timeouts.
	volatile long errors;

	volatile long mismatches;

	volatile long timeouts;

	volatile long connectOk;

	volatile long connectFailed;

	volatile long closedEarly;

	volatile @Nullable String firstError;

	volatile @Nullable String firstMismatch;

	/** Requests still owed a reply on connections open at the end. */
	volatile long outstanding;

	/**
	 * Nanoseconds from the start until every connect had succeeded or failed (hold mode: and every
	 * connection was verified), or -1.
	 */
	volatile long allConnectedAfter = -1;

	// Hold mode.
	volatile long answeredInitial;

	volatile long heldOpen;

	volatile long closedDuringHold;

	volatile long answeredFinal;

	// Trickle mode; the closing lines are read only once the thread has ended.
	volatile long trickledBytes;

	volatile long openAtEnd;

	final Map<String, Long> closesByLine = new LinkedHashMap<>();

	// With --tls: completed handshakes, and the protocol of the first.
	volatile long tlsHandshakes;

	volatile @Nullable String tlsProtocol;

	void reply(long latencyNanos, boolean measured) {
		this.replies++;
		this.recentLatency.recordValue(latencyNanos);
		if (measured) {
			this.measuredReplies++;
			this.latency.recordValue(latencyNanos);
		}
	}

	void bytesIn(int count, boolean measured) {
		this.bytesIn += count;
		if (measured) {
			this.measuredBytesIn += count;
		}
	}

	void bytesOut(int count, boolean measured) {
		this.bytesOut += count;
		if (measured) {
			this.measuredBytesOut += count;
		}
	}

	/** Count an error; the first one is kept to tell the user what went wrong. */
	void error(String what) {
		this.errors++;
		if (this.firstError == null) {
			this.firstError = what;
		}
	}

	/** Count a reply that is not the one owed; the first one is kept, bytes and all. */
	void mismatch(LoadConnection connection, long sequence) {
		this.mismatches++;
		if (this.firstMismatch == null) {
			this.firstMismatch = "connection " + connection.id + ((sequence >= 0) ? ", request " + sequence : "") + ": "
					+ connection.describeLastLine();
		}
	}

	/** Trickle mode: count a close by the server under the line it said; past {@code max} lines, under {@code other}. */
	void closedWith(String line, int max, String other) {
		String key = (this.closesByLine.containsKey(line) || this.closesByLine.size() < max) ? line : other;
		this.closesByLine.merge(key, 1L, Long::sum);
	}

	void tlsHandshake(String protocol) {
		this.tlsHandshakes++;
		if (this.tlsProtocol == null) {
			this.tlsProtocol = protocol;
		}
	}

	void timeout(String what) {
		this.timeouts++;
		error(what);
	}

}
