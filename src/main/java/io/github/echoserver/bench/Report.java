package io.github.echoserver.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What the bench prints: a header and, once the run is over, a table and a last line of
 * {@code key=value} pairs for scripts (loadgen's keys where they mean the same) on standard
 * output; a progress line each second on standard error, so that standard output stays the
 * result.
 */
final class Report {

	private static final double MB = 1_000_000.0;

	/** What a server that guards against slowloris says when it cuts a trickle (README, Protocol). */
	static final String LINE_TIMEOUT = "server bye# line timeout";

	static final String IDLE_TIMEOUT = "server bye# idle timeout";

	private final BenchSettings settings;

	private final PrintWriter out;

	private final PrintWriter err;

	private long lastReplies;

	private long lastBytesIn;

	private long lastBytesOut;

	private long lastNanos;

	/** The phase when the last second began: a line reports the second that has just ended. */
	private String lastLabel = "";

	Report(BenchSettings settings, PrintWriter out, PrintWriter err) {
		this.settings = settings;
		this.out = out;
		this.err = err;
	}

	void header(List<Load> loads) {
		this.lastLabel = loads.get(0).phase().label;
		if (this.settings.quiet()) {
			return;
		}
		BenchSettings s = this.settings;
		this.out.printf(Locale.ROOT,
				"bench: mode=%s target=%s connections=%d threads=%d size=%d pipeline=%d warmup=%ds duration=%ds timeout=%ds%s%n",
				s.mode().value(), s.target(), s.connections(), s.threads(), s.size(), s.pipeline(), s.warmupSeconds(),
				s.durationSeconds(), s.timeoutSeconds(),
				(s.paced() ? " rate=" + s.rate() + "/s"
						: (s.mode() == BenchMode.TRICKLE) ? " interval=" + s.intervalMillis() + "ms" : "")
						+ describeTls(s.tls()));
		this.out.flush();
	}

	private static String describeTls(@Nullable TlsClient tls) {
		return (tls != null) ? " tls=" + tls.describe() : "";
	}

	/** One line on the last second: rates, the p99 of its replies, open connections, trouble so far. */
	void progress(long elapsedNanos, List<Load> loads) {
		long replies = 0, bytesIn = 0, bytesOut = 0, open = 0, errors = 0, mismatches = 0;
		Histogram recent = new Histogram(3);
		for (Load load : loads) {
			LoadCounters counters = load.counters;
			replies += counters.replies;
			bytesIn += counters.bytesIn;
			bytesOut += counters.bytesOut;
			open += counters.open;
			errors += counters.errors;
			mismatches += counters.mismatches;
			recent.add(counters.recentLatency.getIntervalHistogram());
		}
		double seconds = Math.max(1e-9, (elapsedNanos - this.lastNanos) / 1e9);
		if (!this.settings.quiet()) {
			String p99 = (recent.getTotalCount() > 0) ? String.format(Locale.ROOT, "%.1f", micros(recent.getValueAtPercentile(99)))
					: "-";
			this.err.printf(Locale.ROOT,
					"[%3ds] %-10s %s %.0f  in %.2f MB/s  out %.2f MB/s  p99 %s µs  open %d  errors %d  mismatches %d%n",
					TimeUnit.NANOSECONDS.toSeconds(elapsedNanos + 500_000_000L), this.lastLabel,
					(this.settings.mode() == BenchMode.TRICKLE) ? "closed/s" : "replies/s",
					(replies - this.lastReplies) / seconds, (bytesIn - this.lastBytesIn) / seconds / MB,
					(bytesOut - this.lastBytesOut) / seconds / MB, p99, open, errors, mismatches);
			this.err.flush();
		}
		this.lastReplies = replies;
		this.lastBytesIn = bytesIn;
		this.lastBytesOut = bytesOut;
		this.lastNanos = elapsedNanos;
		this.lastLabel = loads.get(0).phase().label;
	}

	void hardLimitReached() {
		this.err.printf("bench: hard time limit of %d s reached, stopping%n", this.settings.maxDurationSeconds());
		this.err.flush();
	}

	/** The table, unless quiet, then the summary line. */
	void result(LoadTotals totals) {
		if (!this.settings.quiet()) {
			table(totals);
		}
		this.out.println(summary(totals));
		this.out.flush();
	}

	private void table(LoadTotals t) {
		BenchSettings s = this.settings;
		Histogram h = t.latency();
		row("connections", "%d established, %d failed, %d closed early; %d of %d with a reply in the window%s",
				t.connectOk(), t.connectFailed(), t.closedEarly(), t.connectionsWithReply(), s.connections(),
				(t.allConnectedNanos() < 0) ? "" : String.format(Locale.ROOT, "; connects done after %.1f ms", t.allConnectedNanos() / 1e6));
		switch (s.mode()) {
			case ECHO -> {
				row("replies", "%d in %d s = %.1f/s; per connection min %d, median %d, max %d; %d outstanding at the end",
						t.replies(), s.durationSeconds(), rate(t.replies()), t.perConnectionAt(0), t.perConnectionAt(0.5),
						t.perConnectionAt(1), t.outstanding());
				if (s.paced()) {
					row("rate", "target %d/s, achieved %.1f/s; latency from each line's scheduled send time", s.rate(),
							rate(t.replies()));
				}
				row("throughput", "in %.0f B/s (%.2f MB/s), out %.0f B/s (%.2f MB/s)", rate(t.bytesIn()),
						rate(t.bytesIn()) / MB, rate(t.bytesOut()), rate(t.bytesOut()) / MB);
			}
			case CONNECT -> {
				row("connects", "%d cycles in %d s = %.1f/s (connect, one line, reply, close)", t.replies(),
						s.durationSeconds(), rate(t.replies()));
				if (s.paced()) {
					row("rate", "target %d/s, achieved %.1f/s; each cycle timed from its scheduled start", s.rate(),
							rate(t.replies()));
				}
			}
			case HOLD -> row("hold", "%d answered the first line, %d held open %d s, %d closed while idle, %d answered the final line",
					t.hold().answeredInitial(), t.hold().heldOpen(), s.durationSeconds(), t.hold().closedDuringHold(),
					t.hold().answeredFinal());
			case TRICKLE -> {
				row("trickle", "%d opened, %d closed by the server, %d open at the end; %d bytes sent, one every %d ms on "
						+ "each connection", t.connectOk(), t.closedEarly(), t.trickle().openAtEnd(),
						t.trickle().trickledBytes(), s.intervalMillis());
				String name = "closed with";
				for (var entry : t.trickle().closesByLine().entrySet()) {
					row(name, "%d x %s", entry.getValue(), entry.getKey());
					name = "";
				}
			}
		}
		String what = switch (s.mode()) {
			case ECHO -> "latency µs";
			case CONNECT -> "cycle µs";
			case HOLD -> "final µs";
			case TRICKLE -> "lifetime µs";
		};
		row(what, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f  (n=%d)", percentile(h, 50),
				percentile(h, 90), percentile(h, 99), percentile(h, 99.9), micros(h.getMaxValue()), mean(h),
				h.getTotalCount());
		if (t.cpuPercent() >= 0) {
			row("bench cpu", "%.0f %% of one core in the window", t.cpuPercent());
		}
		if (s.tls() != null) {
			row("tls", "%d handshakes completed%s", t.tlsHandshakes(),
					(t.tlsProtocol() != null) ? ", the first with " + t.tlsProtocol() : "");
		}
		row("errors", "%d (timeouts %d)", t.errors(), t.timeouts());
		row("mismatches", "%d", t.mismatches());
		if (t.firstError() != null) {
			row("first error", "%s", t.firstError());
		}
		if (t.firstMismatch() != null) {
			row("first mismatch", "%s", t.firstMismatch());
		}
	}

	private void row(String name, String format, Object... values) {
		this.out.printf(Locale.ROOT, "%-16s" + format + "%n", prepend(name, values));
	}

	private static Object[] prepend(String first, Object[] rest) {
		Object[] all = new Object[rest.length + 1];
		all[0] = first;
		System.arraycopy(rest, 0, all, 1, rest.length);
		return all;
	}

	/** The last line: {@code key=value} pairs, loadgen's names where the meaning is the same. */
	String summary(LoadTotals t) {
		BenchSettings s = this.settings;
		Histogram h = t.latency();
		StringBuilder line = new StringBuilder();
		line.append(String.format(Locale.ROOT,
				"mode=%s conns=%d threads=%d size=%d pipeline=%d warmup_s=%d duration_s=%d conn_ok=%d conn_fail=%d conn_closed=%d conns_with_reply=%d ",
				s.mode().value(), s.connections(), s.threads(), s.size(), s.pipeline(), s.warmupSeconds(),
				s.durationSeconds(), t.connectOk(), t.connectFailed(), t.closedEarly(), t.connectionsWithReply()));
		switch (s.mode()) {
			case ECHO -> line.append(String.format(Locale.ROOT,
					"replies=%d rps=%.1f rx_Bps=%.0f tx_Bps=%.0f outstanding=%d per_conn_min=%d per_conn_p50=%d per_conn_max=%d ",
					t.replies(), rate(t.replies()), rate(t.bytesIn()), rate(t.bytesOut()), t.outstanding(),
					t.perConnectionAt(0), t.perConnectionAt(0.5), t.perConnectionAt(1)));
			case CONNECT -> line.append(String.format(Locale.ROOT, "connects=%d cps=%.1f ", t.replies(), rate(t.replies())));
			case HOLD -> line.append(String.format(Locale.ROOT,
					"answered_initial=%d held_open=%d closed_during_hold=%d answered_final=%d ", t.hold().answeredInitial(),
					t.hold().heldOpen(), t.hold().closedDuringHold(), t.hold().answeredFinal()));
			case TRICKLE -> {
				long lineTimeouts = t.trickle().closedWith(LINE_TIMEOUT);
				long idleTimeouts = t.trickle().closedWith(IDLE_TIMEOUT);
				line.append(String.format(Locale.ROOT,
						"opened=%d closed_by_server=%d line_timeout=%d idle_timeout=%d closed_other=%d open_at_end=%d trickled_bytes=%d interval_ms=%d ",
						t.connectOk(), t.closedEarly(), lineTimeouts, idleTimeouts, t.closedEarly() - lineTimeouts - idleTimeouts,
						t.trickle().openAtEnd(), t.trickle().trickledBytes(), s.intervalMillis()));
			}
		}
		line.append(String.format(Locale.ROOT,
				"p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f errors=%d mismatches=%d timeouts=%d connect_ms=%.1f lg_cpu_pct=%.1f",
				percentile(h, 50), percentile(h, 90), percentile(h, 99), percentile(h, 99.9), micros(h.getMaxValue()),
				mean(h), t.errors(), t.mismatches(), t.timeouts(),
				(t.allConnectedNanos() < 0) ? -1.0 : t.allConnectedNanos() / 1e6, t.cpuPercent()));
		if (s.mode() == BenchMode.ECHO || s.mode() == BenchMode.CONNECT) {
			line.append(" rate=").append(s.rate());
		}
		// tls=none: TLS asked for and no handshake completed, so scripts can tell a server without TLS.
		line.append(" tls=").append((s.tls() == null) ? "off" : (t.tlsProtocol() != null) ? t.tlsProtocol() : "none");
		if (s.tls() != null) {
			line.append(" tls_handshakes=").append(t.tlsHandshakes());
		}
		return line.toString();
	}

	private double rate(long count) {
		return count / (double) this.settings.durationSeconds();
	}

	private static double percentile(Histogram histogram, double percentile) {
		return (histogram.getTotalCount() == 0) ? 0 : micros(histogram.getValueAtPercentile(percentile));
	}

	private static double mean(Histogram histogram) {
		return (histogram.getTotalCount() == 0) ? 0 : histogram.getMean() / 1000.0;
	}

	private static double micros(long nanos) {
		return nanos / 1000.0;
	}

}
