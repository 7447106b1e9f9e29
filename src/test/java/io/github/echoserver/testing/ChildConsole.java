package io.github.echoserver.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import io.github.echoserver.EchoServerApplication;

/**
 * The console of the application started as a child JVM (its output, with its errors merged in),
 * read line by line on a daemon thread of its own: the child never blocks on a full pipe, and a
 * test sees what it has said so far at any time. One reader for every test that starts the
 * application as a process, so that each reads it the same way.
 */
public final class ChildConsole {

	/**
	 * JVM options for a child that starts often: C1 only and the serial collector. A JVM then
	 * starts in about half the time on a small machine, and the tests assert no speed.
	 */
	public static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

	private final List<String> lines = new ArrayList<>();

	private final CompletableFuture<Void> end = new CompletableFuture<>();

	private final Thread reader;

	/**
	 * Start reading the console of {@code process}.
	 * @param process the child, started with its error stream redirected to its output
	 * @param name the name of the reading thread
	 * @param onLine called on the reading thread with each line, once it is in {@link #lines()}
	 */
	public ChildConsole(Process process, String name, Consumer<String> onLine) {
		this.reader = new Thread(() -> read(process, onLine), name);
		this.reader.setDaemon(true);
		this.reader.start();
	}

	/**
	 * The command line that starts the application as a child JVM.
	 * @param jvmOptions options of the child JVM, before its class path
	 * @param properties {@code name=value} pairs, as {@link RunningServer#arguments(String...)}
	 * makes them arguments
	 * @return the command, for a {@link ProcessBuilder}
	 */
	public static List<String> command(List<String> jvmOptions, String... properties) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		// As in the tests' own JVM: never the application.yml users edit in the working directory.
		command.addAll(List.of("-cp", System.getProperty("java.class.path"),
				"-Dspring.config.location=optional:classpath:/", EchoServerApplication.class.getName()));
		command.addAll(RunningServer.arguments(properties));
		return command;
	}

	private void read(Process process, Consumer<String> onLine) {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				synchronized (this.lines) {
					this.lines.add(line);
				}
				onLine.accept(line);
			}
			this.end.complete(null);
		}
		catch (IOException ex) {
			// The child is gone and its pipe with it.
			this.end.completeExceptionally(ex);
		}
	}

	/** The lines so far. */
	public List<String> lines() {
		synchronized (this.lines) {
			return List.copyOf(this.lines);
		}
	}

	/**
	 * Completes, on the reading thread, once the console has ended: normally at its end, with the
	 * failure when it could not be read to the end.
	 */
	public CompletionStage<Void> end() {
		return this.end;
	}

	/** Wait, at most {@code timeout}, until the console has been read to its end. */
	public void awaitEnd(Duration timeout) throws InterruptedException {
		this.reader.join(timeout.toMillis());
	}

}
