package io.github.echoserver.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.testing.DrainLog;
import io.github.echoserver.testing.PipeliningClients;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.ServerProcess;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4 point 5: the drain on SIGTERM while 200 clients pipeline lines. Proves, in both I/O
 * flavours, that every client gets the replies to a gap-free prefix of the lines it sent (line 0
 * to k-1, in order, byte for byte: no line the server read is left unanswered or answered out of
 * turn, no partial line is answered), then exactly {@code server bye# shutting down}, then the
 * end of the stream; that the replies the clients got are exactly the lines the server counts as
 * echoed; and that the drain ends before {@code echo.shutdown-timeout} (it does not log that it
 * ran into it). First with the context closed in this JVM (the path SIGTERM takes), then with a
 * real SIGTERM to the application started as a child JVM, which must exit with status 143.
 */
@ExtendWith(OutputCaptureExtension.class)
class DrainUnderLoadTests {

	private static final int CLIENTS = 200;

	/** Lines each client keeps in flight: it sends a new one whenever a reply comes back. */
	private static final int PIPELINE = 32;

	/** Replies every client must have had before the drain starts: all 200 are being served. */
	private static final int REPLIES_BEFORE_DRAIN = 20;

	/** The default: far longer than the drain of 200 clients takes, even on a busy machine. */
	private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * How long to wait for the child JVM to exit after SIGTERM: the drain's bound and then some,
	 * yet short of the 30 s hang of an executor waiting for its tasks (docs/architecture.md,
	 * Spring Integration point 6).
	 */
	private static final Duration EXIT_WAIT = Duration.ofSeconds(25);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String BYE = "server bye# shutting down\r\n";

	/** 143 = 128 + 15: the JVM's status after SIGTERM once its shutdown hooks have run. */
	private static final int SIGTERM_EXIT_STATUS = 143;

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	@Timeout(value = 90, unit = TimeUnit.SECONDS)
	void closingTheContextAnswersEveryLineReadThenSaysByeToEachPipeliningClient(String io, CapturedOutput output)
			throws Exception {
		RunningServer server = RunningServer.start(properties(io));
		// Kept: the registry's counters stay readable after the context is closed.
		ConnectionRegistry registry = server.registry();
		Duration drain;
		try (PipeliningClients clients = clients(server.tcpPort())) {
			await().atMost(WAIT).until(() -> clients.served() == CLIENTS);

			long started = System.nanoTime();
			server.close();
			drain = Duration.ofNanos(System.nanoTime() - started);

			clients.awaitAllEnded(WAIT);
			clients.assertEachGotAPrefixOfItsLinesThenBye();
			assertThat(clients.replies()).as("replies received = lines the server echoed")
				.isEqualTo(registry.linesEchoed());
			System.out.printf("DrainUnderLoadTests io=%s in-process: drain (context close) took %d ms; %s; "
					+ "server counted %d lines echoed%n", io, drain.toMillis(), clients.summary(), registry.linesEchoed());
		}
		finally {
			server.close();
		}
		assertThat(drained(output.getAll())).as("the drain's last log line").contains("Drained " + CLIENTS + " ");
		assertThat(output.getAll()).doesNotContain(DrainLog.TIMED_OUT);
		assertThat(registry.active()).isZero();
		assertThat(output.getAll().lines().filter((line) -> line.contains(" ERROR ")))
			.as("lines logged at ERROR")
			.isEmpty();
	}

	@ParameterizedTest(name = "io={0}")
	@ValueSource(strings = { "blocking", "nio" })
	@Timeout(value = 150, unit = TimeUnit.SECONDS)
	void sigtermDrainsEveryPipeliningClientAndTheProcessExitsWith143InTime(String io) throws Exception {
		try (ServerProcess child = ServerProcess.start(properties(io)).awaitListening(WAIT.multipliedBy(2));
				PipeliningClients clients = clients(child.tcpPort())) {
			await().atMost(WAIT).until(() -> clients.served() == CLIENTS);

			long started = System.nanoTime();
			child.terminate();
			boolean exited = child.awaitExit(EXIT_WAIT);
			Duration exit = Duration.ofNanos(System.nanoTime() - started);
			assertThat(exited).as("the child exited (waited up to " + EXIT_WAIT.toSeconds() + " s)").isTrue();

			clients.awaitAllEnded(WAIT);
			String drained = drained(child.output());
			System.out.printf("DrainUnderLoadTests io=%s child JVM: exit status %d after %d ms; %s; %s%n", io,
					child.exitValue(), exit.toMillis(), drained, clients.summary());
			assertThat(child.exitValue()).as("exit status").isEqualTo(SIGTERM_EXIT_STATUS);
			clients.assertEachGotAPrefixOfItsLinesThenBye();
			assertThat(drained).as("the drain's last log line").contains("Drained " + CLIENTS + " ");
			assertThat(child.lines()).noneMatch((line) -> line.contains(DrainLog.TIMED_OUT));
			assertThat(child.lines().stream().filter((line) -> line.contains(" ERROR ")))
				.as("lines logged at ERROR")
				.isEmpty();
		}
	}

	/**
	 * Blocking: a thread per connection, so that every client is being read when the drain
	 * starts (a pooled client still waiting for a worker gets the bye line unread, by design).
	 * NIO: the default pool of 8 workers serves all 200.
	 */
	private static String[] properties(String io) {
		return new String[] { "echo.mode=" + (io.equals("blocking") ? "per-connection" : "pooled"), "echo.io=" + io,
				"echo.shutdown-timeout=" + SHUTDOWN_TIMEOUT.toSeconds() + "s" };
	}

	/**
	 * {@link #CLIENTS} clients, each pipelining {@link #PIPELINE} lines, served once they have had
	 * {@link #REPLIES_BEFORE_DRAIN} replies.
	 */
	private static PipeliningClients clients(int port) throws IOException {
		return new PipeliningClients(port, CLIENTS, PIPELINE, REPLIES_BEFORE_DRAIN, BYE.getBytes(StandardCharsets.UTF_8));
	}

	/** The drain's summary line in {@code log}, e.g. "Drained 200 connection(s) in 40 ms". */
	private static String drained(String log) {
		Matcher drained = DrainLog.DRAINED.matcher(log);
		return drained.find() ? drained.group() : "no drain logged";
	}

}
