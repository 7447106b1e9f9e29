package io.github.echoserver.process;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.EchoServerApplication;

/**
 * The command line of a worker: the supervisor's own {@code java}, its JVM options, its jar (or
 * class path and main class) and its arguments, so that a worker runs exactly the configuration
 * the user gave the supervisor. On top: the port the supervisor settled (0 becomes one real
 * port that every worker binds), no admin web server (the supervisor's serves the admin API),
 * and exit on {@code OutOfMemoryError} (a worker that runs out of memory is restarted instead of
 * limping on) unless the user chose what happens on it.
 */
final class WorkerCommand {

	/** Options of the supervisor's JVM a worker must not copy: a debugger agent would clash on its port. */
	private static final Predicate<String> NOT_COPIED = (option) -> option.startsWith("-agentlib:jdwp")
			|| option.startsWith("-Xrunjdwp") || option.startsWith("-Xdebug");

	private final List<String> command;

	private WorkerCommand(List<String> command) {
		this.command = List.copyOf(command);
	}

	/**
	 * The worker command of this JVM.
	 * @param arguments the supervisor's application arguments
	 * @param port the port every worker binds
	 * @return the command
	 */
	static WorkerCommand of(String[] arguments, int port) {
		return of(arguments, port, null);
	}

	/**
	 * The worker command of this JVM.
	 * @param arguments the supervisor's application arguments
	 * @param port the port every worker binds
	 * @param tlsPort the TLS port every worker binds beside it ({@code echo.ssl.port}), or null
	 * @return the command
	 */
	static WorkerCommand of(String[] arguments, int port, @Nullable Integer tlsPort) {
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current()
			.info()
			.command()
			.orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
		List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
		jvmOptions.stream().filter(NOT_COPIED.negate()).forEach(command::add);
		if (jvmOptions.stream().noneMatch((option) -> option.contains("OutOfMemoryError"))) {
			command.add("-XX:+ExitOnOutOfMemoryError");
		}
		String jar = launchedJar();
		if (jar != null) {
			command.add("-jar");
			command.add(jar);
		}
		else {
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add(EchoServerApplication.class.getName());
		}
		for (String argument : arguments) {
			if (!overridden(argument)) {
				command.add(argument);
			}
		}
		command.add("--echo.port=" + port);
		if (tlsPort != null) {
			command.add("--echo.ssl.port=" + tlsPort);
		}
		command.add("--spring.main.web-application-type=none");
		return new WorkerCommand(command);
	}

	/** The jar of {@code java -jar JAR}, or null when the JVM was started with a main class. */
	private static @Nullable String launchedJar() {
		String launched = System.getProperty("sun.java.command", "");
		String first = launched.split(" ", 2)[0];
		return (first.endsWith(".jar") && first.equals(System.getProperty("java.class.path"))) ? first : null;
	}

	private static boolean overridden(String argument) {
		return argument.startsWith("--echo.port=") || argument.startsWith("--echo.ssl.port=")
				|| argument.startsWith("--spring.main.web-application-type=");
	}

	List<String> command() {
		return this.command;
	}

	@Override
	public String toString() {
		return String.join(" ", this.command);
	}

}
