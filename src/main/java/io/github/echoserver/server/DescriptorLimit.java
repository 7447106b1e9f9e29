package io.github.echoserver.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * The process's file descriptor limit against {@code echo.max-connections}: every connection
 * holds a descriptor, and the JVM itself holds about a hundred (its jars, its selectors, the
 * admin server's sockets). A limit below both lets accepting fail with "Too many open files"
 * long before the connection limit is reached (the accept loop carries on, see
 * {@link AcceptFailures}); said once at startup, with how to raise it.
 */
final class DescriptorLimit {

	private static final Log logger = LogFactory.getLog(DescriptorLimit.class);

	/** Descriptors the JVM and the admin server hold besides the connections. */
	private static final int MARGIN = 100;

	private DescriptorLimit() {
	}

	/**
	 * Log one WARN line when the descriptor limit is below {@code maxConnections} plus the margin;
	 * nothing where the platform does not tell the limit.
	 * @param maxConnections {@code echo.max-connections}
	 */
	static void check(int maxConnections) {
		OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		if (!(os instanceof UnixOperatingSystemMXBean unix)) {
			return;
		}
		long limit = unix.getMaxFileDescriptorCount();
		long needed = (long) maxConnections + MARGIN;
		if (limit < needed) {
			logger.warn("The file descriptor limit (" + limit + ") is below echo.max-connections (" + maxConnections
					+ ") plus " + MARGIN + " for the JVM: beyond about " + Math.max(limit - MARGIN, 0)
					+ " connections accepting will fail until some close. Raise it to at least " + needed
					+ " (ulimit -n " + needed + " in the shell that starts the server, LimitNOFILE=" + needed
					+ " in a systemd unit) or lower echo.max-connections");
		}
	}

}
