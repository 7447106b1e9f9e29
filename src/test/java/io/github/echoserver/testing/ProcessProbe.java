package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * What this test process holds, read from /proc and the JVM: file descriptors, the TCP sockets
 * of a port, threads, heap and the server's connection objects. The server runs in the same
 * JVM as the tests, so every figure covers both sides.
 */
public final class ProcessProbe {

	/**
	 * The server's classes of which each open connection has one instance: the one place to
	 * change when they are renamed (their names are checked, so a stale entry fails instead of
	 * counting nothing).
	 */
	public static final List<String> SERVER_CONNECTION_CLASSES = List.of(
			"io.github.echoserver.server.EchoNetConnection", "io.github.echoserver.server.EchoNioConnection");

	private static final List<String> TCP_TABLES = List.of("/proc/self/net/tcp", "/proc/self/net/tcp6");

	private ProcessProbe() {
	}

	/** Open file descriptors of this process (/proc/self/fd). */
	public static int openFds() {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return (int) fds.count();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Open file descriptors by kind, for a failure message. A closed socket channel still
	 * registered with a selector keeps its descriptor number until that selector next selects:
	 * the JDK points it at one end of a socket pair of its own meanwhile, so those show as many
	 * descriptors of one UNIX socket.
	 */
	public static Map<String, Long> fdKinds() {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			Map<String, Long> targets = fds.map((fd) -> {
				try {
					return Files.readSymbolicLink(fd).toString();
				}
				catch (IOException ex) {
					return "gone";
				}
			}).collect(Collectors.groupingBy((target) -> target, Collectors.counting()));
			Map<String, Long> kinds = new TreeMap<>();
			targets.forEach((target, count) -> {
				String kind = (!target.startsWith("socket:")) ? target.replaceAll("\\[\\d+\\]", "")
						: (count > 1) ? "one socket held by many fds (closed channels awaiting their selector)"
								: "socket";
				if (kind.startsWith("/") && !kind.startsWith("/proc") && !kind.startsWith("/dev")) {
					kind = kind.endsWith(".jar") ? "jar" : "file";
				}
				kinds.merge(kind, count, Long::sum);
			});
			return kinds;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The soft limit of open files of this process: the JVM raises it to the hard limit at start. */
	public static long openFilesLimit() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
				if (line.startsWith("Max open files")) {
					String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
					return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
				}
			}
			return 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Server sockets still in a TCP conversation: TCP sockets of the server's port in
	 * /proc/net/tcp whose inode is not 0, the listening one excluded. A socket its process has
	 * closed but the kernel keeps (TIME_WAIT, LAST_ACK) has inode 0; a socket whose conversation
	 * is over is no longer listed, even while its process still holds its descriptor, which only
	 * the count of descriptors shows.
	 */
	public static int serverSockets(int port) {
		return (int) tcpSockets(port).filter((fields) -> !fields[3].equals("0A") && !fields[9].equals("0")).count();
	}

	/** The server port's sockets by TCP state (hex, as in /proc/net/tcp) and whether they have an inode. */
	public static Map<String, Long> serverSocketStates(int port) {
		Map<String, Long> states = new TreeMap<>();
		tcpSockets(port).forEach((fields) -> states.merge(fields[3] + (fields[9].equals("0") ? "" : "+fd"), 1L, Long::sum));
		return states;
	}

	/**
	 * Bytes the kernel holds for the TCP socket from {@code localPort} to {@code remotePort}:
	 * written by its process and not yet acknowledged by the peer ({@code sent}), and received
	 * but not yet read by its process ({@code received}), as in {@code ss}'s Send-Q and Recv-Q.
	 * Both zero when there is no such socket.
	 */
	public static SocketQueues socketQueues(int localPort, int remotePort) {
		String remote = String.format(":%04X", remotePort);
		return tcpSockets(localPort).filter((fields) -> fields[2].endsWith(remote))
			.findFirst()
			.map((fields) -> {
				// "tx_queue:rx_queue", in hex.
				String[] queues = fields[4].split(":");
				return new SocketQueues(Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16));
			})
			.orElse(new SocketQueues(0, 0));
	}

	/** The most a TCP socket's send buffer grows to by itself: the last figure of /proc/sys/net/ipv4/tcp_wmem. */
	public static long tcpSendBufferMax() {
		try {
			String[] figures = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
			return Long.parseLong(figures[figures.length - 1]);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** What {@link #socketQueues} reads: bytes in a socket's send and receive queues. */
	public record SocketQueues(long sent, long received) {
	}

	/** The rows of /proc/net/tcp and tcp6 whose local port is {@code port}, split into fields. */
	private static Stream<String[]> tcpSockets(int port) {
		String localPort = String.format(":%04X", port);
		return TCP_TABLES.stream().flatMap((table) -> {
			try (Stream<String> lines = Files.lines(Path.of(table))) {
				return lines.skip(1)
					.map(String::trim)
					.map((line) -> line.split("\\s+"))
					.filter((fields) -> fields[1].endsWith(localPort))
					.toList()
					.stream();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		});
	}

	/** Live threads of this JVM. */
	public static int threads() {
		return ManagementFactory.getThreadMXBean().getThreadCount();
	}

	/** Live threads by name, digits folded, for a failure message. */
	public static Map<String, Long> threadNames() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.collect(Collectors.groupingBy((thread) -> thread.getName().replaceAll("\\d+", "N"), TreeMap::new,
					Collectors.counting()));
	}

	/** Heap in use; right after {@link #liveServerConnections()} (a full GC), what is live. */
	public static long heapUsedBytes() {
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/**
	 * Reachable instances of {@link #SERVER_CONNECTION_CLASSES}, from the JVM's class histogram,
	 * which runs a full GC first: the same figure as {@code jcmd <pid> GC.class_histogram}.
	 */
	public static long liveServerConnections() {
		for (String name : SERVER_CONNECTION_CLASSES) {
			try {
				Class.forName(name, false, ProcessProbe.class.getClassLoader());
			}
			catch (ClassNotFoundException ex) {
				throw new IllegalStateException("No class " + name + ": update ProcessProbe.SERVER_CONNECTION_CLASSES", ex);
			}
		}
		String histogram;
		try {
			histogram = (String) ManagementFactory.getPlatformMBeanServer()
				.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
						new Object[] { new String[0] }, new String[] { String[].class.getName() });
		}
		catch (JMException ex) {
			throw new IllegalStateException("No class histogram from this JVM", ex);
		}
		// Lines read "  12:   4339   763664  io.github.echoserver.server.EchoNetConnection".
		return histogram.lines()
			.map(String::trim)
			.map((line) -> line.split("\\s+"))
			.filter((fields) -> fields.length >= 4 && SERVER_CONNECTION_CLASSES.contains(fields[3]))
			.mapToLong((fields) -> Long.parseLong(fields[1]))
			.sum();
	}

}
