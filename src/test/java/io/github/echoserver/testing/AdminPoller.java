package io.github.echoserver.testing;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.databind.JsonNode;

import static org.awaitility.Awaitility.await;

/** Calls {@code GET /actuator/echo} every 50 ms on a thread of its own until stopped, and keeps score. */
public final class AdminPoller implements AutoCloseable {

	/** How long {@link #stop(int)} waits for the calls it asks for: far more than a few calls take. */
	private static final Duration WAIT = Duration.ofSeconds(20);

	private final RunningServer server;

	private final CountDownLatch stop = new CountDownLatch(1);

	private final Thread thread;

	private final AtomicLong maxLatencyNanos = new AtomicLong();

	private final List<String> failures = new ArrayList<>();

	private volatile int calls;

	private volatile int maxActive;

	/** Start polling {@code server} at once. */
	public AdminPoller(RunningServer server) {
		this.server = server;
		this.thread = new Thread(this::poll, "test-admin-poller");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void poll() {
		try {
			do {
				long started = System.nanoTime();
				try {
					HttpResponse<String> response = this.server.get("/actuator/echo");
					long took = System.nanoTime() - started;
					this.maxLatencyNanos.accumulateAndGet(took, Math::max);
					if (response.statusCode() != 200) {
						fail("status " + response.statusCode() + ": " + response.body());
					}
					else {
						JsonNode echo = AdminApi.parse(response.body());
						this.maxActive = Math.max(this.maxActive, echo.path("connections").path("active").asInt());
					}
				}
				catch (RuntimeException ex) {
					this.maxLatencyNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
					fail(ex.toString());
				}
				this.calls++;
			}
			while (!this.stop.await(50, TimeUnit.MILLISECONDS));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private synchronized void fail(String failure) {
		this.failures.add(failure);
	}

	/**
	 * Stop once at least {@code atLeast} calls have been made and the one in progress is over,
	 * and say how the calls went.
	 */
	public Result stop(int atLeast) {
		await().atMost(WAIT).until(() -> this.calls >= atLeast || !this.thread.isAlive());
		close();
		synchronized (this) {
			return new Result(this.calls, this.maxLatencyNanos.get(), this.maxActive, List.copyOf(this.failures));
		}
	}

	@Override
	public void close() {
		this.stop.countDown();
		try {
			this.thread.join(15_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * How the calls went.
	 * @param calls calls made
	 * @param maxLatencyNanos the slowest call, for the test's output
	 * @param maxActive the most active connections a call reported
	 * @param failures calls that failed or did not answer 200
	 */
	public record Result(int calls, long maxLatencyNanos, int maxActive, List<String> failures) {

		@Override
		public String toString() {
			return this.calls + " calls, slowest " + this.maxLatencyNanos / 1_000_000 + " ms, most active reported "
					+ this.maxActive + ", failures " + this.failures;
		}

	}

}
