package io.github.echoserver.server;

import java.io.IOException;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionRegistry;

/**
 * What the accept loop does when accepting fails while the listener is open, shared by both
 * factories: out of file descriptors ({@code EMFILE}, {@code ENFILE}), of buffers
 * ({@code ENOBUFS}), or anything else. Leaving the loop would leave the port bound and the
 * kernel queueing connections that nobody accepts, for good. Instead each failure is counted
 * ({@code echo.errors{type=accept}}), said at WARN at most once every {@link #WARN_INTERVAL_MILLIS}
 * (with how many failures the line stands for), and followed by a pause: 100 ms, doubling to
 * 1 s while failures go on (Netty pauses 1 s), so that a loop that cannot accept does not spin
 * on the listener. Connections that close meanwhile free their descriptors, and the first
 * accept that works ends the pause and the failure. Meanwhile the {@code echo} health
 * component is DOWN with the {@link #reason()}.
 * <p>
 * {@link #failed} and {@link #accepted} are called by the one accepting thread;
 * {@link #reason()} and {@link #wake()} from any.
 */
public final class AcceptFailures {

	private static final Log logger = LogFactory.getLog(AcceptFailures.class);

	private static final long FIRST_PAUSE_MILLIS = 100;

	private static final long MAX_PAUSE_MILLIS = 1_000;

	/** At most one WARN line this often while accepting keeps failing. */
	static final long WARN_INTERVAL_MILLIS = 5_000;

	private final ConnectionRegistry registry;

	private final Object pause = new Object();

	private volatile @Nullable String reason;

	private long nextPauseMillis = FIRST_PAUSE_MILLIS;

	/** Failures since the last accept that worked. */
	private long streak;

	/** Failures not told yet by a WARN line. */
	private long sinceWarning;

	/** When the last WARN line was written; far in the past before the first. */
	private long lastWarning = System.nanoTime() - WARN_INTERVAL_MILLIS * 2_000_000;

	/** Whether this run of failures has had its WARN line, so that its end is worth a line too. */
	private boolean warned;

	/** @param registry where the failures are counted */
	AcceptFailures(ConnectionRegistry registry) {
		this.registry = registry;
	}

	/**
	 * Accepting failed: count it, say so (rate limited), and pause before the next attempt.
	 * @param failure what accept threw
	 * @param port the listening port, for the log line
	 * @param accepting whether the listener should still accept; the pause ends early once it
	 * should not (the drain or the stop closed the listener)
	 */
	void failed(IOException failure, int port, BooleanSupplier accepting) {
		this.registry.acceptFailed();
		String cause = (failure.getMessage() != null) ? failure.getMessage() : failure.getClass().getSimpleName();
		this.reason = "cannot accept: " + cause;
		this.streak++;
		this.sinceWarning++;
		long now = System.nanoTime();
		long pauseMillis = this.nextPauseMillis;
		// Rate limited across runs too: near the limit, accepts that fail and accepts that work
		// alternate as connections come and go.
		if (now - this.lastWarning >= WARN_INTERVAL_MILLIS * 1_000_000) {
			String folded = (this.sinceWarning == 1) ? ""
					: " (" + this.sinceWarning + " failed accepts since the last warning)";
			logger.warn("Cannot accept connections on port " + port + ": " + cause + "; trying again in " + pauseMillis
					+ " ms" + folded + hint(cause));
			this.lastWarning = now;
			this.sinceWarning = 0;
			this.warned = true;
		}
		this.nextPauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE_MILLIS);
		pause(pauseMillis, accepting);
	}

	/** An accept worked: a failure that went on until now is over. */
	void accepted() {
		if (this.streak > 0) {
			if (this.warned) {
				logger.info("Accepting connections again after " + this.streak + " failed accepts");
				this.warned = false;
			}
			this.reason = null;
			this.streak = 0;
			this.nextPauseMillis = FIRST_PAUSE_MILLIS;
		}
	}

	/** End a pause now: the listener is being closed. */
	void wake() {
		synchronized (this.pause) {
			this.pause.notifyAll();
		}
	}

	/** Why the listener cannot accept now, e.g. {@code cannot accept: Too many open files}; null while it can. */
	public @Nullable String reason() {
		return this.reason;
	}

	/** The pause after the next failure. */
	long nextPauseMillis() {
		return this.nextPauseMillis;
	}

	private void pause(long millis, BooleanSupplier accepting) {
		long deadline = System.nanoTime() + millis * 1_000_000;
		synchronized (this.pause) {
			long left;
			while (accepting.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
				try {
					this.pause.wait(Math.max(left / 1_000_000, 1));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	private static String hint(String cause) {
		return cause.contains("open files") ? "; connections closing free descriptors (see the descriptor limit, ulimit -n)"
				: "";
	}

}
