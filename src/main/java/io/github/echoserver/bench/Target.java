package io.github.echoserver.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The server to load, written {@code host:port} ({@code [::1]:7007} for IPv6), resolved once
 * before the first connection.
 * @param text what the user wrote
 * @param address the resolved address
 */
record Target(String text, InetSocketAddress address) {

	/** Whether traffic stays on this machine; anything else gets a warning. */
	boolean isLoopback() {
		return this.address.getAddress().isLoopbackAddress();
	}

	@Override
	public String toString() {
		return this.text;
	}

	/** Parses and resolves {@code host:port}; a bad value is a usage error (exit code 2). */
	static final class Converter implements ITypeConverter<Target> {

		@Override
		public Target convert(String value) {
			int colon = value.lastIndexOf(':');
			if (colon <= 0 || colon == value.length() - 1) {
				throw new TypeConversionException("expected host:port, got '" + value + "'");
			}
			String host = value.substring(0, colon);
			if (host.startsWith("[") && host.endsWith("]")) {
				host = host.substring(1, host.length() - 1);
			}
			int port;
			try {
				port = Integer.parseInt(value.substring(colon + 1));
			}
			catch (NumberFormatException ex) {
				port = -1;
			}
			if (port < 1 || port > 65535) {
				throw new TypeConversionException("port must be 1-65535 in '" + value + "'");
			}
			try {
				return new Target(value, new InetSocketAddress(InetAddress.getByName(host), port));
			}
			catch (UnknownHostException ex) {
				throw new TypeConversionException("cannot resolve '" + host + "'");
			}
		}

	}

}
