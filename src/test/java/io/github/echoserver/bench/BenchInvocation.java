package io.github.echoserver.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine;

/**
 * One run of the {@code bench} command in the test's JVM, as a user runs it from the command line:
 * its exit code and everything it printed.
 *
 * @param exitCode the command's exit code
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
record BenchInvocation(int exitCode, String out, String err) {

	/**
	 * Run {@code bench} with these arguments.
	 * @param args the command line after {@code bench}
	 * @return how it went
	 */
	static BenchInvocation of(String... args) {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		int exitCode = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out, true))
			.setErr(new PrintWriter(err, true))
			.execute(args);
		return new BenchInvocation(exitCode, out.toString(), err.toString());
	}

	/** The last line of standard output as key=value pairs. */
	Map<String, String> summary() {
		String[] lines = this.out.strip().split("\n");
		Map<String, String> pairs = new LinkedHashMap<>();
		for (String pair : lines[lines.length - 1].strip().split(" ")) {
			int equals = pair.indexOf('=');
			if (equals > 0) {
				pairs.put(pair.substring(0, equals), pair.substring(equals + 1));
			}
		}
		return pairs;
	}

}
