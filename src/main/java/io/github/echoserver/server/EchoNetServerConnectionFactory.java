package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.Ending;

import org.springframework.integration.ip.tcp.connection.TcpConnectionInterceptorSupport;
import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking connection factory ({@code echo.io: blocking}), able to stop accepting for the
 * drain: closing its server socket ends the accept loop, while each connection's reader goes on
 * in its worker. Its listening socket is a {@link ContinuingServerSocket}, whose options
 * {@link ListenerSocketSupport} sets before it is bound, and whose accept carries on after a
 * failure (out of file descriptors) instead of ending Spring Integration's accept loop.
 * <p>
 * A closed connection leaves the factory's map when it closes. Spring Integration sweeps the
 * map only in its accept loop, so an idle server would hold its last closed connections until
 * the next client came. Every connection tells the factory's senders when it closes; a
 * {@link ClosedConnectionForgetter} is one of them. A connection refused as it is created
 * closes before it has any sender, so it is forgotten once it has them.
 */
final class EchoNetServerConnectionFactory extends TcpNetServerConnectionFactory implements AcceptControl {

	private final AcceptFailures acceptFailures;

	EchoNetServerConnectionFactory(int port, AcceptFailures acceptFailures) {
		super(port);
		this.acceptFailures = acceptFailures;
		registerSender(new ClosedConnectionForgetter(this.connections));
	}

	@Override
	public void stopAccepting() {
		ServerSocket serverSocket = getServerSocket();
		if (serverSocket != null) {
			try {
				serverSocket.close();
			}
			catch (IOException ex) {
				// Closing a listening socket: there is nothing left to do if it fails.
			}
		}
		this.acceptFailures.wake();
	}

	/**
	 * A connection refused at creation ({@code server busy#}) is closed before Spring Integration
	 * gives it its senders (the outbound adapter, and the one that forgets it here), so closing
	 * told nobody, and the senders then add it to their maps: the sweep after the next accept
	 * would tell them, but the last ones of a burst would stay until another client came (a
	 * flood left 4,000 of them, 6 MB). Told here, once it has its senders. A failure here ends the
	 * connection as {@link #endFailedSetup} says.
	 */
	@Override
	protected void initializeConnection(TcpConnectionSupport connection, Socket socket) {
		try {
			super.initializeConnection(connection, socket);
		}
		catch (RuntimeException ex) {
			endFailedSetup(connection);
			throw ex;
		}
		if (!connection.isOpen()) {
			connection.getSenders().forEach((sender) -> sender.removeDeadConnection(connection));
		}
	}

	/** An interceptor that fails to wrap the connection fails its setup: see {@link #endFailedSetup}. */
	@Override
	protected TcpConnectionSupport wrapConnection(TcpConnectionSupport connection) {
		try {
			return super.wrapConnection(connection);
		}
		catch (RuntimeException ex) {
			endFailedSetup(connection);
			throw ex;
		}
	}

	/**
	 * The connection was admitted as it was created, so it counts as active: Spring
	 * Integration's accept loop only closes the socket after a failed setup (and logs the
	 * failure), which would leave it counted for good. It ends through its pipeline instead,
	 * which says {@code server error#}, closes it and tells the registry; and it leaves the
	 * factory's map, which the failed wrapping put it in.
	 */
	private void endFailedSetup(TcpConnectionSupport connection) {
		TcpConnectionSupport raw = connection;
		while (raw instanceof TcpConnectionInterceptorSupport interceptor) {
			raw = interceptor.getTheConnection();
		}
		this.connections.remove(raw.getConnectionId());
		if (raw instanceof EchoNetConnection echoConnection) {
			echoConnection.endBeforeServing(Ending.INTERNAL_ERROR);
		}
	}

	/**
	 * A {@link ContinuingServerSocket}, its options set before it is bound (through
	 * {@link ListenerSocketSupport}, as in the NIO factory). Binding failed (port in use, address
	 * not local): reported with the server exception event, which stops startup with one line.
	 * Marked inactive first, so that Spring Integration's accept loop does not also log it as an
	 * ERROR with a stack trace.
	 */
	@Override
	protected ServerSocket createServerSocket(int port, int backlog, @Nullable InetAddress whichNic)
			throws IOException {
		ServerSocket socket = new ContinuingServerSocket();
		try {
			getTcpSocketSupport().postProcessServerSocket(socket);
			socket.bind(new InetSocketAddress(whichNic, port), Math.abs(backlog));
			return socket;
		}
		catch (IOException ex) {
			socket.close();
			publishServerExceptionEvent(ex);
			setActive(false);
			throw ex;
		}
		catch (RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Spring Integration sweeps its whole connection map after every accept; every connection
	 * here leaves the map as it closes, so the sweep would find nothing, at a cost that grows
	 * with the connections open.
	 */
	@Override
	protected void harvestClosedConnections() {
	}

	/**
	 * The listening socket, whose {@code accept} returns a connection or throws only once the
	 * socket is closed: Spring Integration's accept loop leaves for good, and stops the factory,
	 * on the first exception (an accept out of file descriptors left the port bound and nobody
	 * accepting). A failure while open goes to {@link AcceptFailures}, which counts it and pauses,
	 * and accept tries again; closing the socket (the drain, the stop) still ends the loop.
	 */
	private final class ContinuingServerSocket extends ServerSocket {

		ContinuingServerSocket() throws IOException {
		}

		@Override
		public Socket accept() throws IOException {
			while (true) {
				Socket socket;
				try {
					socket = super.accept();
				}
				catch (SocketTimeoutException ex) {
					throw ex;
				}
				catch (IOException ex) {
					if (isClosed() || !isActive()) {
						throw ex;
					}
					EchoNetServerConnectionFactory.this.acceptFailures.failed(ex, getLocalPort(),
							() -> !isClosed() && isActive());
					continue;
				}
				EchoNetServerConnectionFactory.this.acceptFailures.accepted();
				return socket;
			}
		}

	}

}
