package io.github.echoserver.server;

import java.io.IOException;
import java.net.ServerSocket;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

/**
 * The blocking connection factory, able to stop accepting for the drain: closing its server
 * socket ends the accept loop, while each connection's reader goes on in its worker.
 */
final class EchoNetServerConnectionFactory extends TcpNetServerConnectionFactory implements AcceptControl {

	private final HarvestInterval harvest = new HarvestInterval();

	EchoNetServerConnectionFactory(int port) {
		super(port);
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

	@Override
	protected void harvestClosedConnections() {
		if (this.harvest.due()) {
			super.harvestClosedConnections();
		}
	}

}
