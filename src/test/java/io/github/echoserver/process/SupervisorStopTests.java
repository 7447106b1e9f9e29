package io.github.echoserver.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.echoserver.testing.SupervisorProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping a supervisor while something else is under way. Ctrl+C (SIGINT to the supervisor and
 * its workers, as a terminal sends it to the process group) while the workers are still
 * starting: the start ends there, no worker is left, and the supervisor exits within
 * {@code shutdown-timeout} and a few seconds, not after the whole start timeout. SIGTERM while a
 * dead worker is being replaced: every process in a slot at that moment, the standby taking the
 * worker's place included, gets SIGTERM and exits; none is killed.
 */
class SupervisorStopTests {

	/**
	 * What stands for Ctrl+C: SIGINT, unless this JVM was started with SIGINT ignored (a
	 * background job of a script without job control, as a CI runner may start the build). Its
	 * children then ignore it too, and a JVM keeps an ignored SIGINT ignored, so the test sends
	 * SIGTERM, which takes the supervisor through the same shutdown hook.
	 */
	private static final StopSignal CTRL_C = StopSignal.IGNORED_HERE.contains(StopSignal.INT) ? StopSignal.TERM
			: StopSignal.INT;

	/** {@code echo.shutdown-timeout} of the supervisor, and so of its workers. */
	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

	/**
	 * The bound on the exit: the shutdown timeout, the supervisor's grace for its workers' exit
	 * (10 s, which only a worker that ignores SIGTERM uses up) and a JVM's own shutdown, with room
	 * to spare; far below the start timeout (120 s) that the supervisor used to wait out.
	 */
	private static final Duration EXIT = SHUTDOWN_TIMEOUT.plusSeconds(25);

	/** 143 = 128 + 15: SIGTERM. */
	private static final int SIGTERM_EXIT_STATUS = 143;

	/** The supervisor's last line, once every process has exited: each worker's exit status, 137 only for the one the test killed. */
	private static final Pattern STOPPED = Pattern
		.compile("Stopped 2 worker processes and the standby in \\d+ ms \\(exit status 1: (143|137), 2: 143, standby: 143\\)");

	@Test
	@Timeout(value = 180, unit = TimeUnit.SECONDS)
	void sigtermWhileADeadWorkerIsReplacedStopsEveryProcessAndKillsNone() {
		try (SupervisorProcess supervisor = SupervisorProcess.start(2, "echo.shutdown-timeout=2s")) {
			supervisor.awaitListening(Duration.ofSeconds(180));
			Long standby = supervisor.standbyPid();
			assertThat(standby).as("the standby's pid").isNotNull();
			List<Long> workers = supervisor.children();

			supervisor.killWorker(supervisor.workerPids().get(1));
			supervisor.terminate();
			assertThat(supervisor.awaitExit(EXIT)).as("exit status").isEqualTo(SIGTERM_EXIT_STATUS);
			assertThat(supervisor.ownLines()).as("the supervisor's lines")
				.noneMatch((line) -> line.contains("did not exit in time"))
				.noneMatch((line) -> line.contains("Supervisor event failed"))
				.anyMatch((line) -> STOPPED.matcher(line).find());
			assertThat(workers).allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
				.as("pid %d", pid)
				.isEmpty());
			assertThat(supervisor.liveWorkerPids()).as("workers still alive").isEmpty();
		}
	}

	@Test
	@Timeout(value = 180, unit = TimeUnit.SECONDS)
	void sigintWhileTheWorkersStartStopsThemAndExitsWithinTheShutdownTimeout() {
		try (SupervisorProcess supervisor = SupervisorProcess.start(2, "echo.shutdown-timeout=2s")) {
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(20))
				.untilAsserted(() -> assertThat(supervisor.linesContaining("Worker 2 started (pid"))
					.as("the supervisor's output:%n%s", supervisor.output())
					.isNotEmpty());
			List<Long> workers = supervisor.seenWorkerPids();
			assertThat(workers).as("workers started").hasSize(2);
			assertThat(supervisor.linesContaining("Echo server listening")).as("a supervisor still starting").isEmpty();

			supervisor.signalAll(CTRL_C.name());
			assertThat(supervisor.awaitExit(EXIT)).as("exit status after SIG%s", CTRL_C.name())
				.isEqualTo(CTRL_C.exitStatus());
			assertThat(supervisor.linesContaining("Echo server listening")).as("no start completed").isEmpty();
			assertThat(workers).allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
				.as("worker pid %d", pid)
				.isEmpty());
			assertThat(supervisor.liveWorkerPids()).as("workers still alive").isEmpty();
		}
	}

	/** The signals that stop a JVM through its shutdown hooks, and its exit status after each. */
	enum StopSignal {

		INT(2), TERM(15);

		/** The signals this JVM ignores, from the {@code SigIgn} mask of {@code /proc/self/status}. */
		static final Set<StopSignal> IGNORED_HERE = ignoredHere();

		private final int number;

		StopSignal(int number) {
			this.number = number;
		}

		/** 128 plus the signal's number: a JVM's status once its shutdown hooks have run. */
		int exitStatus() {
			return 128 + this.number;
		}

		private static Set<StopSignal> ignoredHere() {
			try {
				long mask = Files.readAllLines(Path.of("/proc/self/status"))
					.stream()
					.filter((line) -> line.startsWith("SigIgn:"))
					.mapToLong((line) -> Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16))
					.findFirst()
					.orElse(0);
				return Arrays.stream(values())
					.filter((signal) -> (mask & (1L << (signal.number - 1))) != 0)
					.collect(Collectors.toUnmodifiableSet());
			}
			catch (IOException ex) {
				return Set.of();
			}
		}

	}

}
