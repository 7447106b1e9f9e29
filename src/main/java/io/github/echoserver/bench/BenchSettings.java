package io.github.echoserver.bench;

import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The checked options of one run, as the loads and the report need them.
 * @param mode echo, connect, hold or trickle
 * @param target the server
 * @param connections connections (connect mode: parallel connect loops)
 * @param pipeline lines in flight per connection (echo mode)
 * @param rate echo mode: lines per second, connect mode: cycles per second, in total across the
 *     connections; 0 for no pacing (as fast as the replies come)
 * @param size payload bytes per line, CR LF excluded
 * @param warmupSeconds seconds before the measured window (echo and connect modes)
 * @param durationSeconds the measured window (hold mode: how long connections stay idle)
 * @param threads I/O threads, one selector each
 * @param timeoutSeconds bound of a connect, of a reply and of a connect cycle
 * @param rampSeconds hold mode: bound of opening and verifying every connection
 * @param intervalMillis trickle mode: milliseconds between two bytes on a connection
 * @param maxDurationSeconds the hard limit of the whole run
 * @param quiet print the summary line only
 * @param tls with {@code --tls}: how connections speak TLS; null in clear text
 */
record BenchSettings(BenchMode mode, Target target, int connections, int pipeline, int rate, int size,
		int warmupSeconds, int durationSeconds, int threads, int timeoutSeconds, int rampSeconds, int intervalMillis,
		int maxDurationSeconds, boolean quiet, @Nullable TlsClient tls) {

	long timeoutNanos() {
		return TimeUnit.SECONDS.toNanos(this.timeoutSeconds);
	}

	/** Whether lines (connect mode: cycles) leave on a schedule, {@code --rate}. */
	boolean paced() {
		return this.rate > 0;
	}

	long intervalNanos() {
		return TimeUnit.MILLISECONDS.toNanos(this.intervalMillis);
	}

	/** The hard limit when none is given: the planned run plus 30 s, as loadgen's failsafe. */
	static int defaultMaxDuration(BenchMode mode, int warmupSeconds, int durationSeconds, int timeoutSeconds,
			int rampSeconds) {
		return switch (mode) {
			case ECHO -> warmupSeconds + durationSeconds + 30;
			case CONNECT -> warmupSeconds + durationSeconds + timeoutSeconds + 30;
			case HOLD -> rampSeconds + durationSeconds + timeoutSeconds + 30;
			case TRICKLE -> durationSeconds + 30;
		};
	}

}
