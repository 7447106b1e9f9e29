package io.github.echoserver.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tasks handed to an {@link EventLoop} from other threads: one that throws is the fault of
 * whoever handed it, and must not keep the loop from running the ones queued behind it.
 */
class EventLoopTests {

	@Test
	void aFailingTaskDoesNotStrandTheTasksQueuedAfterIt() throws InterruptedException {
		EventLoop loop = new EventLoop("test-event-loop");
		CountDownLatch ran = new CountDownLatch(1);
		// Both handed over from this thread before the loop runs: one wake-up brings both, and no
		// later wake-up comes to run a task left behind.
		loop.execute(() -> {
			throw new IllegalStateException("a task that fails");
		});
		loop.execute(ran::countDown);
		loop.start();
		try {
			assertThat(ran.await(10, TimeUnit.SECONDS)).as("the task after the failing one ran").isTrue();
			assertThat(loop.pendingTasks()).isZero();
		}
		finally {
			loop.shutdown(5_000);
		}
	}

}
