package io.github.echoserver.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * The INFO lines of refused connections (a denied address, a client over its per-client
 * limit), at most one per second per rule: a flood of refused connects must not flood the log.
 * The first refusal of a rule after a quiet second is logged at once, naming the client; the
 * ones that follow within the second are counted, and one line a second later says how many
 * there were and who came last. Adding up the lines of a rule gives every refusal.
 * <p>
 * A rule is what refused: a deny entry, the allow list, or one client address over its limit.
 * A rule quiet for a second is forgotten, so the rules kept are those refusing now: a bounded
 * few, since a client refused for its limit holds that many connections open. The lines of a
 * burst that has ended are written by a timer; it runs only where something can be refused.
 */
public final class RefusalLog implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RefusalLog.class);

	/** One line per rule per this long. */
	static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** How often the timer looks for counts due: the last line of a burst comes at most this late. */
	private static final long FLUSH_PERIOD_MILLIS = 250;

	private final LongSupplier nanoClock;

	private final Consumer<String> out;

	private final boolean needed;

	private final Map<String, Window> windows = new ConcurrentHashMap<>();

	private volatile @Nullable ScheduledExecutorService timer;

	/**
	 * The log of a running server, writing to its logger at INFO.
	 * @param needed whether anything can be refused by rule (else the timer is not started)
	 */
	public RefusalLog(boolean needed) {
		this(System::nanoTime, RefusalLog::info, needed);
	}

	/**
	 * @param nanoClock the time, as {@link System#nanoTime()} tells it
	 * @param out where the lines go
	 * @param needed whether {@link #start()} starts the timer
	 */
	RefusalLog(LongSupplier nanoClock, Consumer<String> out, boolean needed) {
		this.nanoClock = nanoClock;
		this.out = out;
		this.needed = needed;
	}

	private static void info(String line) {
		logger.info(line);
	}

	/**
	 * A connection was refused.
	 * @param rule what refused it, read after "Refused a connection": e.g.
	 * {@code from 10.0.0.0/8 (echo.access.deny)}
	 * @param peer the client's address and port
	 */
	public void refused(String rule, String peer) {
		long now = this.nanoClock.getAsLong();
		String[] line = new String[1];
		this.windows.compute(rule, (key, window) -> {
			if (window == null) {
				line[0] = first(key, peer);
				return new Window(now);
			}
			if (window.pending == 0 && now - window.lineAt >= INTERVAL_NANOS) {
				line[0] = first(key, peer);
				window.lineAt = now;
				return window;
			}
			window.pending++;
			window.lastPeer = peer;
			if (now - window.lineAt >= INTERVAL_NANOS) {
				line[0] = window.summary(key, now);
			}
			return window;
		});
		if (line[0] != null) {
			this.out.accept(line[0]);
		}
	}

	/** Write the counts that are due, and forget the rules that have been quiet for a second. */
	void flush() {
		flush(false);
	}

	/** @param all write every count now, due or not, and forget every rule (at shutdown) */
	private void flush(boolean all) {
		long now = this.nanoClock.getAsLong();
		List<String> lines = new ArrayList<>();
		for (String rule : this.windows.keySet()) {
			this.windows.computeIfPresent(rule, (key, window) -> {
				boolean due = all || now - window.lineAt >= INTERVAL_NANOS;
				if (due && window.pending > 0) {
					lines.add(window.summary(key, now));
					return all ? null : window;
				}
				return due ? null : window;
			});
		}
		lines.forEach(this.out);
	}

	/** Rules refused within the last second or so: what the log holds in memory. */
	int rules() {
		return this.windows.size();
	}

	private static String first(String rule, String peer) {
		return "Refused a connection " + rule + ": " + peer;
	}

	@Override
	public void start() {
		if (!this.needed || this.timer != null) {
			return;
		}
		ScheduledExecutorService newTimer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "echo-refusal-log");
			thread.setDaemon(true);
			return thread;
		});
		newTimer.scheduleWithFixedDelay(this::flush, FLUSH_PERIOD_MILLIS, FLUSH_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
		this.timer = newTimer;
	}

	/** Stops the timer; counts not yet due are written now, so that none is lost at shutdown. */
	@Override
	public void stop() {
		ScheduledExecutorService running = this.timer;
		if (running == null) {
			return;
		}
		this.timer = null;
		running.shutdownNow();
		flush(true);
	}

	@Override
	public boolean isRunning() {
		return this.timer != null;
	}

	/** One rule's refusals since its last line; changed only inside the map's compute for its key. */
	private static final class Window {

		/** When the rule's last line was written. */
		long lineAt;

		/** Refusals since that line. */
		long pending;

		@Nullable String lastPeer;

		Window(long lineAt) {
			this.lineAt = lineAt;
		}

		/** The line for the refusals since the last one; the window starts again from now. */
		String summary(String rule, long now) {
			String line = "Refused " + this.pending + ((this.pending == 1) ? " connection " : " connections ") + rule
					+ " in the last " + String.format(Locale.ROOT, "%.1f", (now - this.lineAt) / 1e9) + " s; last from "
					+ this.lastPeer;
			this.pending = 0;
			this.lastPeer = null;
			this.lineAt = now;
			return line;
		}

	}

}
