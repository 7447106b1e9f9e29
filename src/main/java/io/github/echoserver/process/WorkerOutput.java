package io.github.echoserver.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A worker's standard output and error, copied line by line to the supervisor's standard output
 * (a worker's log lines carry its pid), and the lines that explain why it stopped: a worker that
 * fails at start prints Spring Boot's failure report or a stack trace, a JVM that dies prints
 * why. {@link #reason()} picks the one line a person needs.
 */
final class WorkerOutput {

	/** Lines kept from the start until the worker listens: a failed start explains itself in them. */
	private static final int STARTUP_LINES = 400;

	/** Lines kept from the end, for a worker that dies later (an OutOfMemoryError, a JVM crash). */
	private static final int TAIL_LINES = 20;

	private static final Pattern THROWABLE = Pattern
		.compile("^(Caused by: )?([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error)(: .*)?$");

	private static final Pattern JVM_FAILURE = Pattern
		.compile("^(Error: |Error occurred|Terminating due to|Unrecognized |Invalid |# A fatal error).*");

	private final List<String> startup = new ArrayList<>();

	private final Deque<String> tail = new ArrayDeque<>();

	private final CompletableFuture<Void> ended = new CompletableFuture<>();

	private volatile boolean keepStartup = true;

	/**
	 * Copy {@code output} to {@code target} on a thread of its own, until the worker closes it.
	 * @param output the worker's merged standard output and error
	 * @param target where the lines go
	 * @param threadName the copying thread's name
	 * @return the output being copied
	 */
	static WorkerOutput copy(InputStream output, PrintStream target, String threadName) {
		WorkerOutput copy = new WorkerOutput();
		Thread thread = new Thread(() -> copy.run(output, target), threadName);
		thread.setDaemon(true);
		thread.start();
		return copy;
	}

	private void run(InputStream output, PrintStream target) {
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				target.println(line);
				keep(line);
			}
		}
		catch (IOException ex) {
			// The worker is gone and its pipe with it.
		}
		finally {
			this.ended.complete(null);
		}
	}

	private synchronized void keep(String line) {
		if (this.keepStartup && this.startup.size() < STARTUP_LINES) {
			this.startup.add(line);
		}
		this.tail.addLast(line);
		if (this.tail.size() > TAIL_LINES) {
			this.tail.removeFirst();
		}
	}

	/** The worker listens: its start went well, so its start lines need not be kept. */
	synchronized void started() {
		this.keepStartup = false;
		this.startup.clear();
	}

	/** Completes once the worker's last line has been copied (its output closed). */
	CompletableFuture<Void> end() {
		return this.ended.copy();
	}

	/**
	 * The line that says why the worker stopped: the description of Spring Boot's failure
	 * report, else the first exception, else a JVM's own error line, else the first line logged
	 * at ERROR; {@code null} when there is none.
	 */
	synchronized @Nullable String reason() {
		List<String> lines = new ArrayList<>(this.keepStartup ? this.startup : List.of());
		lines.addAll(this.tail);
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).trim().equals("Description:")) {
				for (int j = i + 1; j < lines.size(); j++) {
					if (!lines.get(j).isBlank()) {
						return lines.get(j).trim();
					}
				}
			}
		}
		for (Pattern pattern : List.of(THROWABLE, JVM_FAILURE)) {
			for (String line : lines) {
				if (pattern.matcher(line.trim()).matches()) {
					return line.trim();
				}
			}
		}
		return lines.stream()
			.filter((line) -> line.contains(" ERROR "))
			.findFirst()
			.map(WorkerOutput::message)
			.orElse(null);
	}

	/** The message of a log line: what follows the logger's name ({@code ... Logger : message}). */
	private static String message(String line) {
		int separator = line.indexOf(" : ");
		return ((separator >= 0) ? line.substring(separator + 3) : line).trim();
	}

}
