package io.github.echoserver.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * What the kernel says about the listener's accept queue: the connections whose handshake is
 * done and that the server has not accepted yet, and those dropped because a queue was full,
 * which the server never sees. Read from Linux's {@code /proc} at each call; elsewhere (no such
 * files) every figure is {@code null}.
 * <ul>
 * <li>{@code net/tcp} and {@code net/tcp6} list each listening socket (state {@code 0A}) with
 * its current accept queue as {@code rx_queue}. Matched by port and address; the workers of the
 * multi-process model share both ({@code SO_REUSEPORT}), so each reports the sum of their
 * queues. The queue's maximum is not in these tables ({@code tx_queue} is a connection's unsent
 * bytes, 0 for a listener; {@code ss -lnt} shows the maximum as Send-Q): it is
 * {@code echo.backlog} capped by {@code sys/net/core/somaxconn}, as {@code listen(2)} caps it.</li>
 * <li>{@code netstat}'s {@code TcpExt ListenOverflows} (a full accept queue) and
 * {@code ListenDrops} (every drop at a listener, overflows included) are host-wide: every
 * listener of the network namespace, since boot.</li>
 * </ul>
 */
public final class ListenQueue {

	/** The state column of a listening socket in {@code /proc/net/tcp}. */
	private static final String LISTEN = "0A";

	/** Half-open connections, which kernels before 4.4 list right after their listener. */
	private static final String SYN_RECEIVED = "03";

	private final Path procNet;

	private final @Nullable InetAddress address;

	private final IntSupplier port;

	/** One listener's queue maximum, or 0 where unknown. */
	private final int maxPerListener;

	/**
	 * @param proc the kernel's tables, {@code /proc} on Linux
	 * @param address the listener's bind address ({@code echo.address})
	 * @param port the port bound now, 0 or less before
	 * @param backlog the backlog asked for ({@code echo.backlog})
	 */
	public ListenQueue(Path proc, String address, IntSupplier port, int backlog) {
		this.procNet = proc.resolve("net");
		this.address = resolve(address);
		this.port = port;
		Integer somaxconn = readInt(proc.resolve("sys/net/core/somaxconn"));
		this.maxPerListener = (somaxconn != null) ? Math.min(backlog, somaxconn) : 0;
	}

	/**
	 * The accept queue now and its maximum, or {@code null} where the platform does not tell it
	 * or no listener is up.
	 */
	public @Nullable Length length() {
		int port = this.port.getAsInt();
		if (port <= 0) {
			return null;
		}
		Length total = null;
		for (String table : List.of("tcp", "tcp6")) {
			try (BufferedReader reader = Files.newBufferedReader(this.procNet.resolve(table), StandardCharsets.US_ASCII)) {
				total = Length.sum(total, listening(reader, port, this.address, this.maxPerListener));
			}
			catch (IOException ex) {
				// Absent (no IPv6, not Linux) or unreadable: that table tells nothing.
			}
		}
		return total;
	}

	/** Whether the platform tells the accept queue at all, so that its gauge is worth registering. */
	public boolean showsLength() {
		return Files.isReadable(this.procNet.resolve("tcp")) && this.maxPerListener > 0;
	}

	/** Whether the platform counts listen overflows and drops, so that their meters are worth registering. */
	public boolean countsDrops() {
		return Files.isReadable(this.procNet.resolve("netstat"));
	}

	/** {@code TcpExt ListenOverflows}: host-wide, since boot; {@code null} where unknown. */
	public @Nullable Long overflows() {
		return tcpExt().get("ListenOverflows");
	}

	/** {@code TcpExt ListenDrops}: host-wide, since boot, overflows included; {@code null} where unknown. */
	public @Nullable Long drops() {
		return tcpExt().get("ListenDrops");
	}

	private Map<String, Long> tcpExt() {
		try {
			return tcpExt(Files.readString(this.procNet.resolve("netstat"), StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			return Map.of();
		}
	}

	/**
	 * The listening sockets of a {@code /proc/net/tcp} or {@code tcp6} table on {@code port} (and
	 * {@code address}, unless it is the wildcard), their queues summed; {@code null} if none.
	 * The kernel lists listening sockets first, so reading stops at the first other row: a
	 * server with 10,000 connections does not read 10,000 lines per call.
	 * @param maxPerListener the maximum of each listener's queue
	 */
	static @Nullable Length listening(BufferedReader table, int port, @Nullable InetAddress address,
			int maxPerListener) throws IOException {
		Length total = null;
		String line = table.readLine(); // the header
		while ((line = table.readLine()) != null) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length < 5) {
				continue;
			}
			if (SYN_RECEIVED.equals(fields[3])) {
				continue;
			}
			if (!LISTEN.equals(fields[3])) {
				break;
			}
			String local = fields[1];
			int colon = local.indexOf(':');
			if (colon < 0 || Integer.parseInt(local.substring(colon + 1), 16) != port
					|| !sameAddress(local.substring(0, colon), address)) {
				continue;
			}
			String queues = fields[4];
			total = Length.sum(total, new Length(Integer.parseInt(queues.substring(queues.indexOf(':') + 1), 16),
					maxPerListener));
		}
		return total;
	}

	/** The {@code TcpExt} counters of a {@code /proc/net/netstat} text, by name. */
	static Map<String, Long> tcpExt(String netstat) {
		Map<String, Long> counters = new HashMap<>();
		String[] names = null;
		for (String line : netstat.split("\n")) {
			if (!line.startsWith("TcpExt:")) {
				continue;
			}
			String[] fields = line.trim().split("\\s+");
			if (names == null) {
				names = fields;
				continue;
			}
			for (int i = 1; i < Math.min(names.length, fields.length); i++) {
				try {
					counters.put(names[i], Long.parseLong(fields[i]));
				}
				catch (NumberFormatException ex) {
					// Not a count: left out.
				}
			}
			names = null;
		}
		return counters;
	}

	/**
	 * Whether a table's hexadecimal address is {@code address}: each 32-bit word is printed in
	 * the host's byte order. A listener bound to the wildcard matches any address (the JDK binds
	 * {@code 0.0.0.0} as {@code ::} where it can).
	 */
	private static boolean sameAddress(String hex, @Nullable InetAddress address) {
		if (address == null || address.isAnyLocalAddress()) {
			return true;
		}
		if (hex.length() != 8 && hex.length() != 32) {
			return false;
		}
		byte[] bytes = new byte[hex.length() / 2];
		boolean littleEndian = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
		for (int word = 0; word < bytes.length / 4; word++) {
			for (int i = 0; i < 4; i++) {
				int at = word * 8 + i * 2;
				int value = Integer.parseInt(hex.substring(at, at + 2), 16);
				bytes[word * 4 + (littleEndian ? 3 - i : i)] = (byte) value;
			}
		}
		try {
			// An IPv4-mapped IPv6 address comes back as the IPv4 address.
			return InetAddress.getByAddress(bytes).equals(address);
		}
		catch (UnknownHostException ex) {
			return false;
		}
	}

	/** A number in a {@code /proc} file; read line-wise, as the file's reported size is meaningless. */
	private static @Nullable Integer readInt(Path file) {
		try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
			String line = reader.readLine();
			return (line != null) ? Integer.valueOf(line.trim()) : null;
		}
		catch (IOException | NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable InetAddress resolve(String address) {
		try {
			return InetAddress.getByName(address);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	/**
	 * An accept queue.
	 * @param current connections waiting to be accepted now
	 * @param max how many it holds before the kernel drops new ones
	 */
	public record Length(int current, int max) {

		/** Both queues summed; either alone where the other is unknown ({@code null}). */
		static @Nullable Length sum(@Nullable Length a, @Nullable Length b) {
			if (a == null || b == null) {
				return (a != null) ? a : b;
			}
			return new Length(a.current + b.current, a.max + b.max);
		}

	}

}
