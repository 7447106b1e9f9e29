package io.github.echoserver.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;

import org.springframework.integration.ip.tcp.connection.TcpSocketSupport;

/**
 * Socket options of the listening socket, applied before it is bound, through Spring
 * Integration's own hook (docs/architecture.md, Spring Integration point 12): both factories
 * create their listening socket unbound and call {@link #postProcessServerSocket} before binding it (Spring Integration's
 * blocking factory calls it again once bound, which changes nothing). Options that only work
 * before bind ({@code SO_REUSEPORT}, which the multi-process model needs) therefore take effect
 * in both.
 */
final class ListenerSocketSupport implements TcpSocketSupport {

	private final boolean reusePort;

	private final ListenerGate gate;

	/**
	 * @param reusePort whether several processes may bind the same address and port, the kernel
	 * spreading new connections across them
	 * @param gate what the listener waits for before it binds
	 */
	ListenerSocketSupport(boolean reusePort, ListenerGate gate) {
		this.reusePort = reusePort;
		this.gate = gate;
	}

	@Override
	public void postProcessServerSocket(ServerSocket serverSocket) {
		if (serverSocket.isBound()) {
			return;
		}
		try {
			this.gate.awaitRelease();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Stopped before the listener was released", ex);
		}
		try {
			// A restarted server binds at once, even while old connections are in TIME_WAIT.
			serverSocket.setReuseAddress(true);
			if (this.reusePort) {
				serverSocket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			}
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException("Cannot set the listener's socket options", ex);
		}
	}

	@Override
	public void postProcessSocket(Socket socket) {
	}

}
