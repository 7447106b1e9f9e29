package io.github.echoserver.process;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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

	/** 130 = 128 + 2: a JVM's status after SIGINT once its shutdown hooks have run. */
	private static final int SIGINT_EXIT_STATUS = 130;

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

			supervisor.interruptAll();
			assertThat(supervisor.awaitExit(EXIT)).as("exit status").isEqualTo(SIGINT_EXIT_STATUS);
			assertThat(supervisor.linesContaining("Echo server listening")).as("no start completed").isEmpty();
			assertThat(workers).allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
				.as("worker pid %d", pid)
				.isEmpty());
			assertThat(supervisor.liveWorkerPids()).as("workers still alive").isEmpty();
		}
	}

}
