package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;
import org.springframework.integration.ip.tcp.connection.TcpSocketSupport;

/**
 * Socket options of the listening socket, applied before it is bound, through Spring
 * Integration's own hooks (DESIGN.md §3 point 12): the NIO factory calls
 * {@link #postProcessServerSocket} before binding; the blocking factory binds inside its
 * server socket factory, so {@link #getServerSocketFactory()} creates the socket unbound, applies
 * the options, then binds. Options that only work before bind ({@code SO_REUSEPORT}, which the
 * multi-process model needs) therefore take effect in both.
 */
final class ListenerSocketSupport implements TcpSocketSupport, TcpSocketFactorySupport {

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

	@Override
	public ServerSocketFactory getServerSocketFactory() {
		return new BindAfterOptions();
	}

	@Override
	public SocketFactory getSocketFactory() {
		return SocketFactory.getDefault();
	}

	/** Creates unbound, applies the options, then binds. */
	private final class BindAfterOptions extends ServerSocketFactory {

		@Override
		public ServerSocket createServerSocket() throws IOException {
			ServerSocket socket = new ServerSocket();
			postProcessServerSocket(socket);
			return socket;
		}

		@Override
		public ServerSocket createServerSocket(int port) throws IOException {
			return createServerSocket(port, 0, null);
		}

		@Override
		public ServerSocket createServerSocket(int port, int backlog) throws IOException {
			return createServerSocket(port, backlog, null);
		}

		@Override
		public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
			ServerSocket socket = createServerSocket();
			try {
				socket.bind(new InetSocketAddress(address, port), backlog);
				return socket;
			}
			catch (IOException ex) {
				socket.close();
				throw ex;
			}
		}

	}

}
