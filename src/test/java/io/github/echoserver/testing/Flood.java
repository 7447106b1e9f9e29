package io.github.echoserver.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/** Writes one chunk over and over on a thread of its own until done or until a write fails. */
public final class Flood {

	private final Thread thread;

	private final AtomicLong written = new AtomicLong();

	private volatile @Nullable IOException failure;

	private Flood(OutputStream out, byte[] chunk, long chunks) {
		this.thread = new Thread(() -> {
			try {
				for (long i = 0; i < chunks; i++) {
					out.write(chunk);
					this.written.addAndGet(chunk.length);
				}
			}
			catch (IOException ex) {
				this.failure = ex;
			}
		}, "test-flood");
		this.thread.setDaemon(true);
	}

	/** Write {@code chunk} {@code chunks} times to {@code out}, starting now. */
	public static Flood start(OutputStream out, byte[] chunk, long chunks) {
		Flood flood = new Flood(out, chunk, chunks);
		flood.thread.start();
		return flood;
	}

	/** Bytes written so far (whole chunks). */
	public long written() {
		return this.written.get();
	}

	/** Whether it is still writing (or blocked in a write). */
	public boolean isAlive() {
		return this.thread.isAlive();
	}

	/**
	 * Wait for the flood to end.
	 * @return the failure that ended it, or {@code null} if every chunk was written
	 */
	public @Nullable IOException awaitEnd(Duration timeout) throws InterruptedException {
		this.thread.join(timeout.toMillis());
		assertThat(this.thread.isAlive()).as("the flood has ended within " + timeout).isFalse();
		return this.failure;
	}

}
