package io.github.echoserver.bench;

import java.io.IOException;
import java.util.List;

/**
 * Echo mode on one I/O thread: long-lived connections, each keeping {@code --pipeline} lines in
 * flight (1: a closed loop, the next line leaves when the reply has come), until the measured
 * window ends. Every reply is timed from the moment its request was queued.
 */
final class EchoLoad extends Load {

	EchoLoad(BenchSettings settings, RunSchedule schedule, List<LoadConnection> connections) throws IOException {
		super(settings, schedule, connections, (settings.warmupSeconds() > 0) ? Phase.WARMUP : Phase.MEASURE);
	}

	@Override
	void drive() throws IOException {
		long nextCheck = 0;
		while (before(this.schedule.measureEnd())) {
			long now = System.nanoTime();
			if (now >= this.schedule.measureStart()) {
				phase(Phase.MEASURE);
			}
			startPendingConnects(now);
			if (connectsSettled()) {
				if (this.counters.open == 0) {
					break; // every connection failed or was lost: nothing more can happen
				}
				if (this.counters.allConnectedAfter < 0) {
					this.counters.allConnectedAfter = now - this.schedule.start();
				}
			}
			if (now >= nextCheck) {
				expireOverdue(now);
				nextCheck = now + CHECK_INTERVAL_NANOS;
			}
			poll(this.schedule.measureEnd(), 50);
		}
		abandonConnects(System.nanoTime());
	}

	@Override
	void onConnected(LoadConnection connection, long now) {
		for (int i = 0; i < this.settings.pipeline(); i++) {
			connection.queueRequest(now);
		}
		flush(connection, now);
	}

	@Override
	public void onReply(LoadConnection connection, long sequence, boolean matches, long sentAt, long now) {
		if (matches) {
			recordReply(connection, now - sentAt, measured(now));
		}
		else {
			this.counters.mismatch(connection, sequence);
		}
		// A wrong reply still answered a request: keep the pipeline full. A line nobody asked for did not.
		if (sequence >= 0 && now < this.schedule.measureEnd()) {
			connection.queueRequest(now);
		}
	}

	@Override
	boolean measured(long now) {
		return this.schedule.inWindow(now);
	}

}
