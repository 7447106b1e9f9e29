package io.github.echoserver.admin.security;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * At most one log line per client address and interval: a client that hammers the admin API
 * with wrong passwords (a script in a loop, a brute-force attempt) must not flood the log. The
 * refusals in between are folded into the next line's count; the meter counts every one.
 */
final class PerClientLogLimit {

	/**
	 * Past this many addresses, those whose interval is over are forgotten: a flood from many
	 * addresses must not grow the map without bound. Their folded counts are lost from the log
	 * only, not from the meter.
	 */
	static final int MAX_TRACKED = 4096;

	private final long intervalNanos;

	private final LongSupplier nanoTime;

	private final Map<String, Window> clients = new ConcurrentHashMap<>();

	/**
	 * @param interval the shortest time between two lines about one address
	 * @param nanoTime the clock, {@code System::nanoTime} but in tests
	 */
	PerClientLogLimit(Duration interval, LongSupplier nanoTime) {
		this.intervalNanos = interval.toNanos();
		this.nanoTime = nanoTime;
	}

	/**
	 * One more refusal for {@code client}.
	 * @return how many refusals a line written now stands for (this one and those folded since
	 * the last line), or 0 when no line is due yet
	 */
	long refused(String client) {
		long now = this.nanoTime.getAsLong();
		if (this.clients.size() >= MAX_TRACKED) {
			this.clients.values().removeIf((window) -> window.over(now, this.intervalNanos));
		}
		Window window = this.clients.computeIfAbsent(client, (key) -> new Window(now - this.intervalNanos));
		return window.refused(now, this.intervalNanos);
	}

	/** How many addresses are remembered now. */
	int tracked() {
		return this.clients.size();
	}

	/** One address's last line and the refusals since. */
	private static final class Window {

		private long lastLine;

		private long folded;

		Window(long lastLine) {
			this.lastLine = lastLine;
		}

		synchronized long refused(long now, long intervalNanos) {
			if (now - this.lastLine < intervalNanos) {
				this.folded++;
				return 0;
			}
			long told = this.folded + 1;
			this.folded = 0;
			this.lastLine = now;
			return told;
		}

		synchronized boolean over(long now, long intervalNanos) {
			return now - this.lastLine >= intervalNanos;
		}

	}

}
