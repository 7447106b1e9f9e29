package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.InvalidEchoPropertyException;
import io.github.echoserver.server.ListenerStartException;

/**
 * The port the workers share, settled by the supervisor before it starts any worker, so that
 * what would make every worker fail fails once, in one line.
 */
final class SharedPort {

	private SharedPort() {
	}

	/**
	 * Check that the kernel lets sockets share a port, then bind {@code echo.address:echo.port}
	 * once without {@code SO_REUSEPORT}. That bind fails if any socket holds the port (another
	 * server, or the workers of another supervisor, which would otherwise share it with ours), and
	 * turns port 0 into the one free port every worker then binds.
	 * @param properties the supervisor's properties
	 * @return the port every worker binds
	 * @throws InvalidEchoPropertyException when the kernel has no {@code SO_REUSEPORT}
	 * @throws ListenerStartException when the port is taken
	 */
	static int settle(EchoProperties properties) {
		return settle(properties, properties.port());
	}

	/**
	 * The same for another port the workers share ({@code echo.ssl.port}).
	 * @param properties the supervisor's properties
	 * @param port the port asked for; 0 for any free one
	 * @return the port every worker binds
	 */
	static int settle(EchoProperties properties, int port) {
		try (ServerSocketChannel probe = ServerSocketChannel.open()) {
			if (!probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
				throw new InvalidEchoPropertyException("echo.processes", properties.processes(),
						"1 on this system: it has no SO_REUSEPORT, which worker processes need to share the port");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		try (ServerSocket probe = new ServerSocket()) {
			probe.setReuseAddress(true);
			probe.bind(new InetSocketAddress(properties.address(), port), 1);
			return probe.getLocalPort();
		}
		catch (IOException ex) {
			throw new ListenerStartException(properties.address(), port, ex);
		}
	}

}
