package io.github.echoserver.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import javax.net.ssl.KeyManager;

import com.sun.management.UnixOperatingSystemMXBean;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar echo-server.jar bench}: loads a line-echo server and reports replies/s,
 * bytes/s, latency percentiles, errors and mismatches; the exit code tells scripts whether every
 * reply came back right.
 */
@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true,
		description = { "Load a line-echo server: every connection sends lines of printable bytes and checks "
				+ "each reply, byte for byte, against 'server echo# ' + line + CR LF. Prints a progress line "
				+ "each second (standard error), then a table and a last line of key=value pairs." },
		exitCodeListHeading = "%nExit codes:%n",
		exitCodeList = { "0:every reply came back right, in time", "1:errors, timeouts or mismatching replies",
				"2:bad usage" })
public final class BenchCommand implements Callable<Integer> {

	/** loadgen's bounds: every connection keeps a buffer of pipeline x (size + 2) bytes. */
	private static final int MAX_PIPELINE = 4096;

	private static final int MAX_SIZE = 1 << 20;

	/** A week: any longer and the default hard limit, a sum of them, would overflow. */
	private static final int MAX_SECONDS = 7 * 24 * 3600;

	/** Ten million lines a second is beyond any server on one machine; it bounds the arithmetic. */
	private static final int MAX_RATE = 10_000_000;

	private static final int MAX_INTERVAL_MILLIS = 3_600_000;

	private static final int DEFAULT_INTERVAL_MILLIS = 1000;

	@Parameters(index = "0", arity = "0..1", paramLabel = "host:port", defaultValue = "127.0.0.1:7007",
			converter = Target.Converter.class,
			description = "The server; anything but loopback gets a warning (default: ${DEFAULT-VALUE}).")
	private @Nullable Target target;

	@Option(names = { "-m", "--mode" }, paramLabel = "MODE", defaultValue = "echo",
			converter = BenchMode.Converter.class,
			description = "echo: long-lived connections, replies/s and latency; connect: connect, send one line, "
					+ "check the reply, close, again; hold: open every connection and check it, keep them idle "
					+ "for the duration, check them again; trickle: slowloris, every connection sends one byte "
					+ "each --interval and never a line end, and is reopened when the server closes it "
					+ "(default: ${DEFAULT-VALUE}).")
	private BenchMode mode = BenchMode.ECHO;

	@Option(names = { "-c", "--connections" }, paramLabel = "N", defaultValue = "1",
			description = "Connections; connect mode: parallel connect loops (default: ${DEFAULT-VALUE}).")
	private int connections;

	@Option(names = { "-p", "--pipeline" }, paramLabel = "K", defaultValue = "1",
			description = "Echo mode: lines in flight per connection; 1 is a closed loop, the next line leaves "
					+ "when the reply is in; at most 4096 (default: ${DEFAULT-VALUE}).")
	private int pipeline;

	@Option(names = "--rate", paramLabel = "N", defaultValue = "0",
			description = "Echo mode: N lines per second in total across the connections, each connection on its "
					+ "own schedule; a line leaves when its time has come and fewer than --pipeline replies are "
					+ "owed, late lines leave as soon as they may. Latency is then measured from each line's "
					+ "scheduled send time, not from when it left, so a slow reply that holds back the next lines "
					+ "counts against the server (corrected for coordinated omission). Connect mode: N connect "
					+ "cycles per second in total, timed the same way. 0: no pacing, the next line (cycle) leaves "
					+ "as soon as the last reply is in (default: ${DEFAULT-VALUE}).")
	private int rate;

	@Option(names = { "-s", "--size" }, paramLabel = "BYTES", defaultValue = "16",
			description = "Payload bytes per line, CR LF excluded; at most 1 MiB (default: ${DEFAULT-VALUE}).")
	private int size;

	@Option(names = { "-w", "--warmup" }, paramLabel = "SECONDS", defaultValue = "1",
			description = "Seconds of load before the measured window; echo and connect modes, at most a week "
					+ "(default: ${DEFAULT-VALUE}).")
	private int warmup;

	@Option(names = { "-d", "--duration" }, paramLabel = "SECONDS", defaultValue = "10",
			description = "The measured window, at most a week (604800); hold mode: how long the connections "
					+ "stay idle; trickle mode: the whole run (default: ${DEFAULT-VALUE}).")
	private int duration;

	@Option(names = { "-t", "--threads" }, paramLabel = "N", defaultValue = "1",
			description = "I/O threads, one selector each, sharing the connections (default: ${DEFAULT-VALUE}).")
	private int threads;

	@Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
			description = "A connect, a reply or a connect cycle slower than this is an error; hold mode: how long "
					+ "to wait for the final replies (default: ${DEFAULT-VALUE}).")
	private int timeout;

	@Option(names = "--ramp", paramLabel = "SECONDS", defaultValue = "60",
			description = "Hold mode: bound on opening and checking every connection (default: ${DEFAULT-VALUE}).")
	private int ramp;

	@Option(names = "--interval", paramLabel = "MILLIS",
			description = "Trickle mode: milliseconds between two bytes on a connection (default: "
					+ DEFAULT_INTERVAL_MILLIS + ").")
	private @Nullable Integer interval;

	@Option(names = "--max-duration", paramLabel = "SECONDS",
			description = "Hard limit of the whole run: past it the bench stops whatever the server does, and exits "
					+ "with 1 (default: warm-up + duration + 30, connect mode + timeout, hold mode: ramp + "
					+ "duration + timeout + 30, trickle mode: duration + 30).")
	private @Nullable Integer maxDuration;

	@Option(names = "--tls",
			description = "Every connection is a TLS client (TLS 1.2 or 1.3, whichever the server and the JDK agree "
					+ "on: 1.3 when both have it); needs --tls-ca or --tls-insecure. Every connect is a full handshake "
					+ "(no session resumption); connect mode then counts TLS handshakes per second.")
	private boolean tls;

	@Option(names = "--tls-ca", paramLabel = "FILE.pem",
			description = "With --tls: trust a server whose certificate is signed by a CA of this PEM file (the "
					+ "host name is not checked).")
	private @Nullable Path tlsCa;

	@Option(names = "--tls-insecure",
			description = "With --tls: trust any server certificate, for benchmarks only (says so on standard error).")
	private boolean tlsInsecure;

	@Option(names = "--tls-protocol", paramLabel = "VERSION",
			description = "With --tls: offer only this protocol, TLSv1.2 or TLSv1.3 (default: both).")
	private @Nullable String tlsProtocol;

	@Option(names = "--tls-cert", paramLabel = "FILE.pem",
			description = "With --tls and --tls-key: present this client certificate (mutual TLS).")
	private @Nullable Path tlsCert;

	@Option(names = "--tls-key", paramLabel = "FILE.pem",
			description = "With --tls and --tls-cert: the client certificate's private key (PEM, not encrypted).")
	private @Nullable Path tlsKey;

	@Option(names = { "-q", "--quiet" }, description = "Print only the last line, the key=value summary.")
	private boolean quiet;

	@Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
	private boolean help;

	/** Set by picocli before {@link #call()}: where to print, and how to report bad usage. */
	@Spec
	private @Nullable CommandSpec spec;

	@Override
	public Integer call() throws InterruptedException {
		CommandSpec commandSpec = requireSpec();
		BenchSettings settings = settings(commandSpec);
		PrintWriter err = commandSpec.commandLine().getErr();
		warnAboutTheEnvironment(settings, err);
		Report report = new Report(settings, commandSpec.commandLine().getOut(), err);
		try {
			LoadTotals totals = new BenchRun(settings, report).run();
			report.result(totals);
			return totals.failed() ? 1 : 0;
		}
		catch (IOException ex) {
			err.println("bench: " + ex.getMessage());
			return 1;
		}
	}

	/** Check the options together; what cannot work is bad usage (exit code 2), not a failed run. */
	private BenchSettings settings(CommandSpec commandSpec) {
		Target server = this.target;
		if (server == null) {
			throw new ParameterException(commandSpec.commandLine(), "no host:port");
		}
		atLeast(commandSpec, "--connections", this.connections, 1);
		within(commandSpec, "--pipeline", this.pipeline, 1, MAX_PIPELINE);
		within(commandSpec, "--rate", this.rate, 0, MAX_RATE);
		within(commandSpec, "--size", this.size, 1, MAX_SIZE);
		within(commandSpec, "--warmup", this.warmup, 0, MAX_SECONDS);
		within(commandSpec, "--duration", this.duration, 1, MAX_SECONDS);
		atLeast(commandSpec, "--threads", this.threads, 1);
		within(commandSpec, "--timeout", this.timeout, 1, MAX_SECONDS);
		within(commandSpec, "--ramp", this.ramp, 1, MAX_SECONDS);
		int intervalMillis = (this.interval != null) ? this.interval : DEFAULT_INTERVAL_MILLIS;
		within(commandSpec, "--interval", intervalMillis, 1, MAX_INTERVAL_MILLIS);
		if (this.pipeline > 1 && this.mode != BenchMode.ECHO) {
			throw new ParameterException(commandSpec.commandLine(),
					"--pipeline applies to echo mode only: " + this.mode.value() + " sends one line at a time");
		}
		if (this.rate > 0 && this.mode != BenchMode.ECHO && this.mode != BenchMode.CONNECT) {
			throw new ParameterException(commandSpec.commandLine(),
					"--rate applies to echo and connect modes only, not " + this.mode.value());
		}
		if (this.interval != null && this.mode != BenchMode.TRICKLE) {
			throw new ParameterException(commandSpec.commandLine(),
					"--interval applies to trickle mode only, not " + this.mode.value());
		}
		// Hold and trickle modes have no warm-up: their window is the whole run, as in loadgen.
		int warmupSeconds = (this.mode == BenchMode.HOLD || this.mode == BenchMode.TRICKLE) ? 0 : this.warmup;
		int limit = (this.maxDuration != null) ? this.maxDuration
				: BenchSettings.defaultMaxDuration(this.mode, warmupSeconds, this.duration, this.timeout, this.ramp);
		atLeast(commandSpec, "--max-duration", limit, 1);
		return new BenchSettings(this.mode, server, this.connections, this.pipeline, this.rate, this.size,
				warmupSeconds, this.duration, Math.min(this.threads, this.connections), this.timeout, this.ramp,
				intervalMillis, limit, this.quiet, tlsClient(commandSpec));
	}

	/** The TLS options together: null without {@code --tls}; a CA file that cannot be read is bad usage. */
	private @Nullable TlsClient tlsClient(CommandSpec commandSpec) {
		if (!this.tls) {
			if (this.tlsCa != null || this.tlsInsecure || this.tlsProtocol != null || this.tlsCert != null
					|| this.tlsKey != null) {
				throw new ParameterException(commandSpec.commandLine(),
						"--tls-ca, --tls-insecure, --tls-protocol, --tls-cert and --tls-key apply with --tls only");
			}
			return null;
		}
		if ((this.tlsCa != null) == this.tlsInsecure) {
			throw new ParameterException(commandSpec.commandLine(),
					"--tls needs either --tls-ca FILE.pem or --tls-insecure (not both)");
		}
		if (this.tlsProtocol != null && !TlsClient.PROTOCOLS.contains(this.tlsProtocol)) {
			throw new ParameterException(commandSpec.commandLine(),
					"--tls-protocol must be one of " + String.join(", ", TlsClient.PROTOCOLS) + ", got " + this.tlsProtocol);
		}
		if ((this.tlsCert != null) != (this.tlsKey != null)) {
			throw new ParameterException(commandSpec.commandLine(), "--tls-cert and --tls-key go together");
		}
		KeyManager[] identity = null;
		if (this.tlsCert != null && this.tlsKey != null) {
			try {
				identity = TlsClient.identity(this.tlsCert, this.tlsKey);
			}
			catch (IllegalArgumentException ex) {
				throw new ParameterException(commandSpec.commandLine(), "--tls-cert/--tls-key " + ex.getMessage());
			}
		}
		if (this.tlsCa == null) {
			return TlsClient.trustingAnyCertificate(this.tlsProtocol, identity);
		}
		try {
			return TlsClient.trusting(this.tlsCa, this.tlsProtocol, identity);
		}
		catch (IllegalArgumentException ex) {
			throw new ParameterException(commandSpec.commandLine(), "--tls-ca " + ex.getMessage());
		}
	}

	private static void atLeast(CommandSpec commandSpec, String option, int value, int minimum) {
		within(commandSpec, option, value, minimum, Integer.MAX_VALUE);
	}

	private static void within(CommandSpec commandSpec, String option, int value, int minimum, int maximum) {
		if (value < minimum || value > maximum) {
			throw new ParameterException(commandSpec.commandLine(), option + " must be at least " + minimum
					+ ((maximum < Integer.MAX_VALUE) ? " and at most " + maximum : "") + ", got " + value);
		}
	}

	private static void warnAboutTheEnvironment(BenchSettings settings, PrintWriter err) {
		if (!settings.target().isLoopback()) {
			err.println("bench: warning: " + settings.target() + " is not a loopback address");
		}
		TlsClient tlsClient = settings.tls();
		if (tlsClient != null && tlsClient.trustsAnyCertificate()) {
			err.println("bench: WARNING: --tls-insecure trusts any server certificate; use it for benchmarks only");
		}
		if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
				&& settings.connections() + 64 > unix.getMaxFileDescriptorCount()) {
			err.println("bench: warning: the open-file limit (" + unix.getMaxFileDescriptorCount() + ") is below "
					+ settings.connections() + " connections + 64");
		}
		err.flush();
	}

	private CommandSpec requireSpec() {
		if (this.spec == null) {
			throw new IllegalStateException("BenchCommand runs through picocli's CommandLine");
		}
		return this.spec;
	}

}
