package io.github.echoserver.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run: the connections dealt out to the load threads, a progress line each second while
 * they work, and the hard limit. Each load ends by itself when its phases are over; past
 * {@code --max-duration} they are told to stop, and a thread that still does not end is left
 * out of the figures, counted as an error, rather than waited for.
 */
final class BenchRun {

	/** How long stopped threads get to leave their loop; each select waits 100 ms at most. */
	private static final long STOP_GRACE_MILLIS = 2000;

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private final BenchSettings settings;

	private final Report report;

	BenchRun(BenchSettings settings, Report report) {
		this.settings = settings;
		this.report = report;
	}

	LoadTotals run() throws IOException, InterruptedException {
		long start = System.nanoTime();
		RunSchedule schedule = RunSchedule.startingAt(start, this.settings);
		List<Load> loads = createLoads(schedule);
		CountDownLatch ended = new CountDownLatch(loads.size());
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < loads.size(); i++) {
			Load load = loads.get(i);
			Thread thread = new Thread(() -> {
				try {
					load.run();
				}
				finally {
					ended.countDown();
				}
			}, "bench-io-" + i);
			// Never keeps the JVM alive: the command's caller decides when the process ends.
			thread.setDaemon(true);
			threads.add(thread);
		}
		this.report.header(loads);
		threads.forEach(Thread::start);
		boolean stoppedAtHardLimit = false;
		long nextProgress = start + SECOND;
		ProcessCpu cpu = new ProcessCpu();
		if (schedule.measureStart() == start) {
			cpu.windowStarts(start);
		}
		while (!ended.await(Math.max(0, Math.min(nextProgress, schedule.hardLimit()) - System.nanoTime()),
				TimeUnit.NANOSECONDS)) {
			long now = System.nanoTime();
			if (now >= schedule.measureStart()) {
				cpu.windowStarts(now);
			}
			if (now >= schedule.hardLimit()) {
				stoppedAtHardLimit = true;
				this.report.hardLimitReached();
				loads.forEach(Load::abort);
				ended.await(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
				break;
			}
			if (now >= nextProgress) {
				this.report.progress(now - start, loads);
				nextProgress += SECOND;
			}
		}
		double cpuPercent = (this.settings.mode() == BenchMode.HOLD) ? -1 : cpu.percentSinceWindowStart();
		// A load's last write is its DONE phase (volatile): reading it makes every count before it visible.
		List<Load> finished = loads.stream().filter((load) -> load.phase() == Load.Phase.DONE).toList();
		return LoadTotals.sum(finished, loads.size() - finished.size(), cpuPercent, stoppedAtHardLimit);
	}

	/** Connection {@code i} of thread {@code t} gets id {@code i * threads + t}, as in loadgen. */
	private List<Load> createLoads(RunSchedule schedule) throws IOException {
		PayloadGenerator payloads = new PayloadGenerator(this.settings.size());
		int threads = this.settings.threads();
		List<Load> loads = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			List<LoadConnection> connections = new ArrayList<>();
			for (int id = t; id < this.settings.connections(); id += threads) {
				connections.add(new LoadConnection(id, payloads, this.settings.pipeline(), this.settings.tls()));
			}
			loads.add(switch (this.settings.mode()) {
				case ECHO -> new EchoLoad(this.settings, schedule, connections);
				case CONNECT -> new ConnectLoad(this.settings, schedule, connections);
				case HOLD -> new HoldLoad(this.settings, schedule, connections);
				case TRICKLE -> new TrickleLoad(this.settings, schedule, connections);
			});
		}
		return loads;
	}

}
