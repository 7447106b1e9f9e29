package io.github.echoserver.bench;

import java.util.concurrent.TimeUnit;

/**
 * When the run started, when its measured window opens and closes, and the hard limit, all in
 * {@link System#nanoTime()}; every thread works against the same instants.
 * @param start when the first connect may start
 * @param measureStart end of the warm-up
 * @param measureEnd end of the measured window: echo and connect loads stop here
 * @param hardLimit past this the run is stopped, whatever the server does
 */
record RunSchedule(long start, long measureStart, long measureEnd, long hardLimit) {

	static RunSchedule startingAt(long start, BenchSettings settings) {
		long measureStart = start + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
		return new RunSchedule(start, measureStart, measureStart + TimeUnit.SECONDS.toNanos(settings.durationSeconds()),
				start + TimeUnit.SECONDS.toNanos(settings.maxDurationSeconds()));
	}

	boolean inWindow(long now) {
		return now >= this.measureStart && now < this.measureEnd;
	}

}
