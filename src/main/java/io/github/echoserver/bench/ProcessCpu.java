package io.github.echoserver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The CPU time of this process over the measured window: on a machine shared with the server,
 * every core-second the bench burns is one the server did not get, so the report shows it.
 */
final class ProcessCpu {

	private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

	private long startNanos = -1;

	private long startCpuNanos = -1;

	/** Take the first sample; later calls do nothing. */
	void windowStarts(long now) {
		if (this.startCpuNanos < 0) {
			this.startNanos = now;
			this.startCpuNanos = cpuNanos();
		}
	}

	/** CPU used since {@link #windowStarts(long)} in % of one core, or -1 when not known. */
	double percentSinceWindowStart() {
		long cpu = cpuNanos();
		long wall = System.nanoTime() - this.startNanos;
		if (this.startCpuNanos < 0 || cpu < 0 || wall <= 0) {
			return -1;
		}
		return 100.0 * (cpu - this.startCpuNanos) / wall;
	}

	private long cpuNanos() {
		return (this.os instanceof com.sun.management.OperatingSystemMXBean sun) ? sun.getProcessCpuTime() : -1;
	}

}
