package io.github.echoserver.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * One entry of {@code echo.access.allow} or {@code echo.access.deny}: an IPv4 or IPv6 address
 * ({@code 10.1.2.3}, {@code ::1}) or CIDR range ({@code 10.0.0.0/8}, {@code fd00::/8}).
 * <p>
 * Only literals are read: a host name is an invalid entry, never looked up, so that neither
 * startup nor an accepted connection waits for a resolver. A range stays within its family:
 * {@code 0.0.0.0/0} is every IPv4 client, {@code ::/0} every IPv6 one. An IPv4-mapped IPv6
 * address ({@code ::ffff:10.1.2.3}) is the IPv4 address it carries, on either side: a rule
 * written {@code ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8}, and a client seen on a dual-stack
 * listener as {@code ::ffff:10.1.2.3} matches IPv4 rules (Java already reports such a client
 * as an IPv4 address). Host bits beyond the prefix are ignored: {@code 10.1.2.3/8} is
 * {@code 10.0.0.0/8}.
 */
public final class AddressRange {

	/** What an entry must be, in the words of the startup error. */
	static final String EXPECTED = "an IPv4 or IPv6 address or CIDR range, e.g. 10.0.0.0/8";

	private static final int IPV4_BITS = 32;

	private static final int IPV6_BITS = 128;

	/** The bits of {@code ::ffff:0:0/96}, which IPv4-mapped addresses share. */
	private static final int MAPPED_PREFIX = IPV6_BITS - IPV4_BITS;

	private final String text;

	/** The network's bytes (4 or 16), host bits cleared. */
	private final byte[] network;

	private final int prefix;

	private AddressRange(String text, byte[] network, int prefix) {
		this.text = text;
		this.network = network;
		this.prefix = prefix;
		clearHostBits(network, prefix);
	}

	/**
	 * Read one entry.
	 * @param entry e.g. {@code 10.0.0.0/8}, {@code 127.0.0.2}, {@code ::1}, {@code fd00::/8};
	 * spaces around it are ignored
	 * @return the range
	 * @throws IllegalArgumentException when it is not an address or range literal
	 */
	public static AddressRange parse(String entry) {
		AddressRange range = tryParse(entry.strip());
		if (range == null) {
			throw new IllegalArgumentException("Invalid value '" + entry + "': " + EXPECTED);
		}
		return range;
	}

	private static @Nullable AddressRange tryParse(String text) {
		int slash = text.indexOf('/');
		String address = (slash < 0) ? text : text.substring(0, slash);
		byte[] bytes = (address.indexOf(':') >= 0) ? ipv6(address) : ipv4(address);
		if (bytes == null) {
			return null;
		}
		int bits = bytes.length * 8;
		int prefix = bits;
		if (slash >= 0) {
			prefix = number(text.substring(slash + 1), 3);
			// Written in IPv6 form but mapped: its prefix counts the 96 bits of ::ffff:0:0 too.
			int writtenBits = (address.indexOf(':') >= 0) ? IPV6_BITS : bits;
			if (prefix < 0 || prefix > writtenBits) {
				return null;
			}
			if (writtenBits != bits) {
				if (prefix < MAPPED_PREFIX) {
					// Wider than the mapped block: it would cover addresses Java never reports.
					return null;
				}
				prefix -= MAPPED_PREFIX;
			}
		}
		return new AddressRange(text, bytes, prefix);
	}

	/** A dotted quad read by hand: {@link InetAddress#getByName} would take a name and look it up. */
	private static byte @Nullable [] ipv4(String address) {
		String[] parts = address.split("\\.", -1);
		if (parts.length != 4) {
			return null;
		}
		byte[] bytes = new byte[4];
		for (int i = 0; i < 4; i++) {
			int octet = number(parts[i], 3);
			if (octet < 0 || octet > 255) {
				return null;
			}
			bytes[i] = (byte) octet;
		}
		return bytes;
	}

	/**
	 * An IPv6 literal (or an IPv4-mapped one, as 4 bytes). Only hex digits, colons and the dots of
	 * an embedded IPv4 part get this far, so {@link InetAddress#getByName} parses a literal and
	 * never resolves (a text with a colon that is no valid literal is rejected, not looked up).
	 */
	private static byte @Nullable [] ipv6(String address) {
		for (int i = 0; i < address.length(); i++) {
			char c = address.charAt(i);
			if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
				return null;
			}
		}
		try {
			return InetAddress.getByName(address).getAddress();
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	/** A decimal number of 1 to {@code maxDigits} ASCII digits, or -1. */
	private static int number(String digits, int maxDigits) {
		if (digits.isEmpty() || digits.length() > maxDigits) {
			return -1;
		}
		int value = 0;
		for (int i = 0; i < digits.length(); i++) {
			char c = digits.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
			value = value * 10 + (c - '0');
		}
		return value;
	}

	private static void clearHostBits(byte[] bytes, int prefix) {
		for (int i = 0; i < bytes.length; i++) {
			int keep = Math.max(0, Math.min(8, prefix - i * 8));
			bytes[i] &= (byte) (0xff << (8 - keep));
		}
	}

	/**
	 * Whether {@code address} lies in this range: same family, same first {@code prefix} bits.
	 * @param address a client's address (an IPv4-mapped one is taken as IPv4)
	 * @return whether it matches
	 */
	public boolean contains(InetAddress address) {
		byte[] bytes = address.getAddress();
		if (bytes.length == 16 && isMapped(bytes)) {
			bytes = Arrays.copyOfRange(bytes, 12, 16);
		}
		if (bytes.length != this.network.length) {
			return false;
		}
		int whole = this.prefix / 8;
		for (int i = 0; i < whole; i++) {
			if (bytes[i] != this.network[i]) {
				return false;
			}
		}
		int rest = this.prefix % 8;
		if (rest == 0) {
			return true;
		}
		int mask = 0xff << (8 - rest);
		return (bytes[whole] & mask) == (this.network[whole] & mask);
	}

	/** {@code ::ffff:a.b.c.d}. Java turns these into IPv4 addresses itself; kept for any other source. */
	private static boolean isMapped(byte[] bytes) {
		for (int i = 0; i < 10; i++) {
			if (bytes[i] != 0) {
				return false;
			}
		}
		return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
	}

	/** The number of leading bits that a matching address shares with the range (32 or 128 for one address). */
	public int prefixLength() {
		return this.prefix;
	}

	/** The entry as the user wrote it (trimmed), which log lines repeat. */
	@Override
	public String toString() {
		return this.text;
	}

}
