package io.github.echoserver.config;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.protocol.Framing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code echo.*} properties: the configuration contract (docs/architecture.md). Defaults
 * live here, so the jar behaves the same from any working directory; the top-level
 * {@code application.yml} repeats them for users to edit. Invalid values and combinations fail at bind time with an
 * {@link InvalidEchoPropertyException} naming the property; values that do not even parse (a
 * duration, number or boolean) are reported in the same one line by
 * {@link UnreadableValueFailureAnalyzer}. A key under {@code echo.} that none of these properties
 * has stops startup too (Boot binds with {@code NoUnboundElementsBindHandler}), reported by
 * {@link UnknownEchoPropertyFailureAnalyzer} with the key that was probably meant. Like Boot, that
 * check reads every source but the environment variables and the JVM's system properties, which
 * other programs share: see {@link UnknownEchoVariables}.
 *
 * @param address bind address of the TCP listener; {@code 0.0.0.0} listens on every interface
 * @param port TCP port of the listener, 0 to 65535; 0 picks a free port, which is logged and reported
 * @param mode concurrency model: {@code single}, {@code per-connection} or {@code pooled}
 * @param io connection factory flavour: {@code blocking} (TcpNet) or {@code nio} (event loops);
 * {@code per-connection} needs {@code blocking}
 * @param virtualThreads give each connection a virtual thread instead of a platform thread;
 * {@code per-connection} mode only, Java 21 or later
 * @param pool worker pool of the {@code pooled} model
 * @param framing {@code line} (prefix plus line plus CR LF per line) or {@code raw} (RFC 862,
 * every byte back unchanged)
 * @param prefix bytes put before every echoed line ({@code line} framing only)
 * @param maxLineLength longest accepted line in bytes, CR LF excluded; a longer line gets
 * {@code server error# line too long} and the connection is closed
 * @param maxConnections open connections allowed at once, waiting ones included; beyond it a
 * client gets {@code server busy# too many connections} and is closed
 * @param idleTimeout a served connection that sends no byte for this long gets
 * {@code server bye# idle timeout} and is closed; 0 turns it off
 * @param lineTimeout a line must be complete within this long of its first byte; a client that
 * trickles a line slower gets {@code server bye# line timeout} and is closed (slowloris); 0 turns
 * it off
 * @param writeTimeout a reply that cannot be written for this long (the client stopped reading)
 * closes the connection, with a log line and a counter; 0 turns it off
 * @param backlog length of the kernel's queue of connections not yet accepted; the kernel caps it
 * at {@code net.core.somaxconn}. 4096 takes a burst of 1,000 connects at once, where 128 made it
 * wait 3-4 s for SYN retransmits
 * @param shutdownTimeout bound of the drain on SIGTERM: replies in flight and bye lines must
 * be written within it, then the remaining connections are closed
 * @param processes 1 serves in this process; more makes this process a supervisor of that many
 * worker processes, each running the model above and sharing the port through
 * {@code SO_REUSEPORT}; from 1 to {@value #MAX_PROCESSES}
 * @param standbyProcess with {@code processes > 1}: keep one more worker process started but
 * not listening, which takes the place of a worker that dies within milliseconds instead of the
 * seconds a JVM takes to start; it costs one idle worker's memory
 * @param ssl TLS on the echo port, or on a port of its own beside the clear-text one
 * @param access which client addresses may connect
 * @param maxConnectionsPerClient open connections allowed from one client address at once
 * (per worker process with {@code processes > 1}); beyond it the client gets
 * {@code server busy# too many connections from your address}; 0 turns it off
 * @param linesPerConnection after the reply to this many lines the server closes the connection,
 * with no line of its own (a request-response client reads its reply, then the end of the stream):
 * 1 is the short-lived model, where a worker is back in the pool after one line; lines that
 * arrived after the last one answered are not answered, and counted as dropped; with {@code raw}
 * framing a line is one read, whatever bytes it brought; 0 (the default) serves a connection until
 * the client leaves
 */
@ConfigurationProperties(prefix = "echo", ignoreUnknownFields = false)
public record EchoProperties(
		@DefaultValue("0.0.0.0") String address,
		@DefaultValue("7007") int port,
		@DefaultValue("pooled") Mode mode,
		@DefaultValue("blocking") Io io,
		@DefaultValue("false") boolean virtualThreads,
		@DefaultValue Pool pool,
		@DefaultValue("line") Framing framing,
		@DefaultValue("server echo# ") String prefix,
		@DefaultValue("8192") int maxLineLength,
		@DefaultValue("10000") int maxConnections,
		@DefaultValue("5m") Duration idleTimeout,
		@DefaultValue("30s") Duration lineTimeout,
		@DefaultValue("30s") Duration writeTimeout,
		@DefaultValue("4096") int backlog,
		@DefaultValue("10s") Duration shutdownTimeout,
		@DefaultValue("1") int processes,
		@DefaultValue("true") boolean standbyProcess,
		@DefaultValue Ssl ssl,
		@DefaultValue Access access,
		@DefaultValue("0") int maxConnectionsPerClient,
		@DefaultValue("0") int linesPerConnection) {

	/**
	 * The most worker processes: each is a JVM of its own (see the README's "Multi-process"), and
	 * more than this many would cost gigabytes for no gain on any machine we know.
	 */
	public static final int MAX_PROCESSES = 64;

	/** The first Java feature release with virtual threads. */
	static final int VIRTUAL_THREADS_JAVA_VERSION = 21;

	public EchoProperties {
		if (address.isBlank()) {
			throw new InvalidEchoPropertyException("echo.address", address, "an IP address or host name to bind");
		}
		requireInRange("echo.port", port, 0, 65535);
		requireInRange("echo.max-line-length", maxLineLength, 1, Integer.MAX_VALUE - 2);
		requireInRange("echo.max-connections", maxConnections, 1, Integer.MAX_VALUE);
		requireInRange("echo.backlog", backlog, 1, Integer.MAX_VALUE);
		requireInRange("echo.processes", processes, 1, MAX_PROCESSES);
		requireInRange("echo.max-connections-per-client", maxConnectionsPerClient, 0, Integer.MAX_VALUE);
		requireInRange("echo.lines-per-connection", linesPerConnection, 0, Integer.MAX_VALUE);
		if (ssl.port() != null && ssl.port() != 0 && ssl.port() == port) {
			throw new InvalidEchoPropertyException("echo.ssl.port", ssl.port(),
					"a port other than echo.port (" + port + "), or unset to serve TLS on echo.port");
		}
		if (idleTimeout.isNegative()) {
			throw new InvalidEchoPropertyException("echo.idle-timeout", idleTimeout, "a duration >= 0 (0 = off)");
		}
		if (lineTimeout.isNegative()) {
			throw new InvalidEchoPropertyException("echo.line-timeout", lineTimeout, "a duration >= 0 (0 = off)");
		}
		if (writeTimeout.isNegative()) {
			throw new InvalidEchoPropertyException("echo.write-timeout", writeTimeout, "a duration >= 0 (0 = off)");
		}
		if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
			throw new InvalidEchoPropertyException("echo.shutdown-timeout", shutdownTimeout, "a duration > 0");
		}
		if (mode == Mode.PER_CONNECTION && io == Io.NIO) {
			throw new InvalidEchoPropertyException("echo.mode", mode.value(),
					"with echo.io=nio use single or pooled (per-connection needs echo.io=blocking)");
		}
		if (virtualThreads && mode != Mode.PER_CONNECTION) {
			throw new InvalidEchoPropertyException("echo.virtual-threads", true,
					"true only with echo.mode=per-connection (mode is " + mode.value() + ")");
		}
		if (virtualThreads && Runtime.version().feature() < VIRTUAL_THREADS_JAVA_VERSION) {
			throw new InvalidEchoPropertyException("echo.virtual-threads", true,
					"true needs Java " + VIRTUAL_THREADS_JAVA_VERSION + " or later (running on Java "
							+ Runtime.version().feature() + ")");
		}
	}

	/** The prefix as the bytes written before each echoed line (UTF-8). */
	public byte[] prefixBytes() {
		return this.prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
	}

	private static void requireInRange(String property, int value, int min, int max) {
		if (value < min || value > max) {
			throw new InvalidEchoPropertyException(property, value,
					(max == Integer.MAX_VALUE || max == Integer.MAX_VALUE - 2) ? "a whole number >= " + min
							: "a whole number from " + min + " to " + max);
		}
	}

	/**
	 * The worker pool of the {@code pooled} model.
	 *
	 * @param size worker threads; with {@code blocking} each serves one connection until it
	 * closes, with {@code nio} they are event loops that each serve the connections assigned to
	 * them; about the number of cores suits {@code nio}
	 * @param queueCapacity connections waiting for a worker ({@code blocking}, beyond it
	 * {@code server busy#}); {@code nio} does not queue, so it does not apply there
	 */
	public record Pool(@DefaultValue("8") int size, @DefaultValue("64") int queueCapacity) {

		public Pool {
			requireInRange("echo.pool.size", size, 1, 100_000);
			requireInRange("echo.pool.queue-capacity", queueCapacity, 0, Integer.MAX_VALUE);
		}

	}

	/**
	 * TLS on the echo port (the README's "Security").
	 *
	 * @param bundle the Spring Boot SSL bundle ({@code spring.ssl.bundle.pem.NAME} or
	 * {@code spring.ssl.bundle.jks.NAME}) whose key and certificate the server presents; unset
	 * means clear text only
	 * @param port with a bundle: TLS listens on this port and clear text stays on {@code echo.port};
	 * unset means {@code echo.port} serves TLS only
	 * @param clientAuth whether clients must present a certificate the bundle's trust store trusts
	 * (mutual TLS): {@code none}, {@code want} or {@code need}
	 * @param handshakeTimeout a client must complete the TLS handshake within this long of
	 * connecting, or it is closed
	 */
	public record Ssl(@Nullable String bundle, @Nullable Integer port, @DefaultValue("none") ClientAuth clientAuth,
			@DefaultValue("10s") Duration handshakeTimeout) {

		public Ssl {
			if (bundle != null && bundle.isBlank()) {
				bundle = null;
			}
			if (port != null) {
				requireInRange("echo.ssl.port", port, 0, 65535);
				if (bundle == null) {
					throw new InvalidEchoPropertyException("echo.ssl.port", port,
							"unset without echo.ssl.bundle (name the SSL bundle the TLS port serves)");
				}
			}
			if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
				throw new InvalidEchoPropertyException("echo.ssl.handshake-timeout", handshakeTimeout, "a duration > 0");
			}
		}

		/** Whether the server speaks TLS at all. */
		public boolean enabled() {
			return this.bundle != null;
		}

	}

	/**
	 * Which client addresses may connect, decided before any byte is read or written. Each entry
	 * is read as an {@link AddressRange} (literals only, no name is looked up); one that is not
	 * stops startup naming its key and index.
	 *
	 * @param allow IPv4/IPv6 addresses and CIDR ranges allowed to connect; empty allows everyone
	 * @param deny addresses and ranges refused even when allowed (deny wins)
	 */
	public record Access(@DefaultValue List<String> allow, @DefaultValue List<String> deny) {

		public Access {
			allow = List.copyOf(allow);
			deny = List.copyOf(deny);
			ranges("echo.access.allow", allow);
			ranges("echo.access.deny", deny);
		}

		/** {@link #allow()} as ranges, in the order written. */
		public List<AddressRange> allowRanges() {
			return ranges("echo.access.allow", this.allow);
		}

		/** {@link #deny()} as ranges, in the order written. */
		public List<AddressRange> denyRanges() {
			return ranges("echo.access.deny", this.deny);
		}

		/** Whether neither list has an entry: every address may connect. */
		public boolean isOpen() {
			return this.allow.isEmpty() && this.deny.isEmpty();
		}

		private static List<AddressRange> ranges(String property, List<String> entries) {
			List<AddressRange> ranges = new java.util.ArrayList<>(entries.size());
			for (int i = 0; i < entries.size(); i++) {
				try {
					ranges.add(AddressRange.parse(entries.get(i)));
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidEchoPropertyException(property + "[" + i + "]", entries.get(i),
							AddressRange.EXPECTED);
				}
			}
			return List.copyOf(ranges);
		}

	}

	/** Whether a TLS client must, may or need not present a certificate ({@code echo.ssl.client-auth}). */
	public enum ClientAuth {

		/** No client certificate is asked for. */
		NONE,

		/** A certificate is asked for; a client without one is served, one with an untrusted one is not. */
		WANT,

		/** A trusted client certificate is required (mutual TLS). */
		NEED;

		/** The name users write in {@code application.yml}. */
		public String value() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

	}

}
