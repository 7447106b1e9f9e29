package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking connection factory ({@code echo.io: blocking}), able to stop accepting for the
 * drain: closing its server socket ends the accept loop, while each connection's reader goes on
 * in its worker. Its listening socket comes from {@link ListenerSocketSupport}'s server socket
 * factory, which sets the socket options before binding.
 * <p>
 * A closed connection leaves the factory's map when it closes. Spring Integration sweeps the
 * map only in its accept loop, so an idle server would hold its last closed connections until
 * the next client came. Every connection tells the factory's senders when it closes; a
 * {@link ClosedConnectionForgetter} is one of them. A connection refused as it is created
 * closes before it has any sender, so it is forgotten once it has them.
 */
final class EchoNetServerConnectionFactory extends TcpNetServerConnectionFactory implements AcceptControl {

	EchoNetServerConnectionFactory(int port) {
		super(port);
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
	}

	/**
	 * A connection refused at creation ({@code server busy#}) is closed before Spring Integration
	 * gives it its senders (the outbound adapter, and the one that forgets it here), so closing
	 * told nobody, and the senders then add it to their maps: the sweep after the next accept
	 * would tell them, but the last ones of a burst would stay until another client came (a
	 * flood left 4,000 of them, 6 MB). Told here, once it has its senders.
	 */
	@Override
	protected void initializeConnection(TcpConnectionSupport connection, Socket socket) {
		super.initializeConnection(connection, socket);
		if (!connection.isOpen()) {
			connection.getSenders().forEach((sender) -> sender.removeDeadConnection(connection));
		}
	}

	/**
	 * Binding failed (port in use, address not local): reported with the server exception event,
	 * which stops startup with one line. Marked inactive first, so that Spring Integration's
	 * accept loop does not also log it as an ERROR with a stack trace.
	 */
	@Override
	protected ServerSocket createServerSocket(int port, int backlog, @Nullable InetAddress whichNic)
			throws IOException {
		try {
			return super.createServerSocket(port, backlog, whichNic);
		}
		catch (IOException ex) {
			publishServerExceptionEvent(ex);
			setActive(false);
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

}
