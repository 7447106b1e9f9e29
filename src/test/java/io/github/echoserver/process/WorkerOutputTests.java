package io.github.echoserver.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that a worker's output is relayed line by line, as it is, and that
 * {@link WorkerOutput#reason()} picks the one line that says why the worker stopped: the
 * description of Spring Boot's failure report, else the first exception, else a JVM's own
 * error line, else the first line logged at ERROR; and that once the worker listens only its
 * last lines count.
 */
class WorkerOutputTests {

	private static final String INFO = "2026-12-02T08:04:26.691Z  INFO 4242 --- [echo-server] [           main] "
			+ "i.g.echoserver.EchoServerApplication     : Starting EchoServerApplication using Java 17";

	private static final String ERROR = "2026-12-02T08:04:27.120Z ERROR 4242 --- [echo-server] [           main] "
			+ "o.s.boot.SpringApplication               : Application run failed";

	private static final String OUT_OF_MEMORY = "Terminating due to java.lang.OutOfMemoryError: Java heap space";

	/** What the worker outputs of a test were relayed to. */
	private ByteArrayOutputStream relayed = new ByteArrayOutputStream();

	@Test
	void everyLineIsRelayedAsItIs() {
		List<String> lines = List.of(INFO, "", "  indented, with trailing blanks  ", "été ✓", ERROR);
		read(lines);
		assertThat(relayedLines()).containsExactlyElementsOf(lines);
	}

	@Test
	void theDescriptionOfSpringBootsFailureReportIsTheReasonWhateverComesBefore() {
		WorkerOutput output = read(List.of(INFO, "java.net.BindException: Address already in use", ERROR, "",
				"***************************", "APPLICATION FAILED TO START", "***************************", "",
				"Description:", "", "Cannot listen on 127.0.0.1:7007: Address already in use (echo.address / echo.port)",
				"", "Action:", "", "Stop the process that holds 127.0.0.1:7007, or set echo.port (0 picks a free port) "
						+ "or echo.address.",
				""));
		assertThat(output.reason())
			.isEqualTo("Cannot listen on 127.0.0.1:7007: Address already in use (echo.address / echo.port)");
	}

	@Test
	void withoutAReportTheFirstExceptionOfTheStackTraceIsTheReason() {
		WorkerOutput output = read(List.of(INFO, ERROR, "",
				"java.lang.IllegalStateException: Worker 2 cannot reach its supervisor at /tmp/echo-server-1/control.sock",
				"\tat io.github.echoserver.process.WorkerAgent.<init>(WorkerAgent.java:49) ~[classes/:na]",
				"Caused by: java.net.ConnectException: Connection refused",
				"\t... 24 common frames omitted"));
		assertThat(output.reason()).isEqualTo(
				"java.lang.IllegalStateException: Worker 2 cannot reach its supervisor at /tmp/echo-server-1/control.sock");
	}

	@Test
	void aCauseAloneIsTheReason() {
		WorkerOutput output = read(List.of(INFO, "Caused by: java.net.ConnectException: Connection refused",
				"\tat java.base/sun.nio.ch.Net.connect0(Native Method)"));
		assertThat(output.reason()).isEqualTo("Caused by: java.net.ConnectException: Connection refused");
	}

	@ParameterizedTest
	@ValueSource(strings = { OUT_OF_MEMORY, "Error: Could not find or load main class io.github.echoserver.Nope",
			"Error occurred during initialization of VM", "Unrecognized option: -XX:+NoSuchOption",
			"Invalid maximum heap size: -Xmx0k",
			"# A fatal error has been detected by the Java Runtime Environment:" })
	void aJvmsOwnErrorLineIsTheReason(String line) {
		assertThat(read(List.of(INFO, line, "")).reason()).isEqualTo(line);
	}

	@Test
	void theMessageOfALineLoggedAtErrorIsTheLastResort() {
		assertThat(read(List.of(INFO, "   " + ERROR + "   ", INFO)).reason()).isEqualTo("Application run failed");
	}

	@Test
	void nothingExplainsAQuietExit() {
		assertThat(read(List.of(INFO, INFO)).reason()).isNull();
		assertThat(read(List.of()).reason()).isNull();
	}

	@Test
	void theWholeStartIsKeptUntilTheWorkerListens() {
		List<String> lines = new ArrayList<>(List.of(INFO, "Description:", "", "Invalid value '0' for echo.pool.size"));
		IntStream.range(0, 100).forEach((i) -> lines.add("\tat frame" + i + "(Somewhere.java:" + i + ")"));
		assertThat(read(lines).reason()).isEqualTo("Invalid value '0' for echo.pool.size");
	}

	@Test
	void onceTheWorkerListensOnlyItsLastLinesCount() throws Exception {
		PipedOutputStream worker = new PipedOutputStream();
		WorkerOutput output = WorkerOutput.copy(new PipedInputStream(worker, 64 * 1024), printStream(),
				"test-worker-output");
		writeLines(worker, List.of(INFO, "java.lang.IllegalStateException: harmless during the start", INFO));
		await().atMost(Duration.ofSeconds(10)).until(() -> relayedLines().size() == 3);
		output.started();
		assertThat(output.reason()).as("the start's lines are forgotten, the last ones are kept")
			.isEqualTo("java.lang.IllegalStateException: harmless during the start");

		writeLines(worker, IntStream.range(0, 25).mapToObj((i) -> INFO + " " + i).toList());
		await().atMost(Duration.ofSeconds(10)).until(() -> relayedLines().size() == 28);
		assertThat(output.reason()).as("the start's exception is no longer among the last lines").isNull();

		writeLines(worker, List.of(OUT_OF_MEMORY));
		worker.close();
		output.end().orTimeout(10, TimeUnit.SECONDS).join();
		assertThat(output.reason()).isEqualTo(OUT_OF_MEMORY);
		assertThat(relayedLines()).hasSize(29).endsWith(OUT_OF_MEMORY);
	}

	/** Copy {@code lines} as a worker's whole output, to its end. */
	private WorkerOutput read(List<String> lines) {
		this.relayed = new ByteArrayOutputStream();
		String text = lines.stream().map((line) -> line + "\n").reduce("", String::concat);
		WorkerOutput output = WorkerOutput.copy(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
				printStream(), "test-worker-output");
		output.end().orTimeout(10, TimeUnit.SECONDS).join();
		assertThat(relayedLines()).as("relayed to the end").hasSize(lines.size());
		return output;
	}

	private PrintStream printStream() {
		return new PrintStream(this.relayed, true, StandardCharsets.UTF_8);
	}

	private List<String> relayedLines() {
		String text = this.relayed.toString(StandardCharsets.UTF_8);
		return text.isEmpty() ? List.of() : text.lines().toList();
	}

	private static void writeLines(PipedOutputStream worker, List<String> lines) throws IOException {
		for (String line : lines) {
			worker.write((line + "\n").getBytes(StandardCharsets.UTF_8));
		}
		worker.flush();
	}

}
