package io.github.echoserver.admin.security;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementServerProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.core.env.Environment;

/**
 * An address the admin API listens on, and the property that chose it.
 * @param property {@code server.address}, or {@code management.server.address} when Actuator has
 * a port of its own
 * @param address the bound address; null when unset, which means every interface
 */
record AdminListenAddress(String property, @Nullable InetAddress address) {

	/**
	 * Every address the process's HTTP servers listen on: the main one, and Actuator's own when
	 * {@code management.server.port} gives it a server of its own (it then carries the admin API,
	 * and its address defaults to every interface, whatever {@code server.address} says).
	 */
	static List<AdminListenAddress> of(Environment environment, ServerProperties server,
			@Nullable ManagementServerProperties management) {
		List<AdminListenAddress> addresses = new ArrayList<>();
		addresses.add(new AdminListenAddress("server.address", server.getAddress()));
		if (management != null && ManagementPortType.get(environment) == ManagementPortType.DIFFERENT) {
			addresses.add(new AdminListenAddress("management.server.address", management.getAddress()));
		}
		return addresses;
	}

	/** Whether only this machine can reach it: 127.0.0.0/8 or ::1 (a name such as localhost is resolved by then). */
	boolean loopback() {
		return this.address != null && this.address.isLoopbackAddress();
	}

	/** For a message, e.g. {@code 0.0.0.0 (server.address)}. */
	String describe() {
		return (this.address != null) ? this.address.getHostAddress() + " (" + this.property + ")"
				: "every interface (" + this.property + " unset)";
	}

}
