package io.github.echoserver.server;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;

import org.springframework.integration.ip.tcp.connection.TcpNioServerConnectionFactory;

/**
 * The NIO connection factory, able to stop accepting for the drain: closing its server channel
 * leaves the select loop serving the open connections.
 */
final class EchoNioServerConnectionFactory extends TcpNioServerConnectionFactory implements AcceptControl {

	private final HarvestInterval harvest = new HarvestInterval();

	EchoNioServerConnectionFactory(int port) {
		super(port);
	}

	@Override
	public void stopAccepting() {
		ServerSocketChannel channel = getServerChannel();
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// Closing a listening channel: there is nothing left to do if it fails.
			}
		}
		setListening(false);
	}

	/**
	 * Marked inactive before the selector is closed: the select loop then takes the closed
	 * selector for the stop it is, instead of logging it as an ERROR with a stack trace.
	 */
	@Override
	public void stop() {
		setActive(false);
		super.stop();
	}

	@Override
	protected void harvestClosedConnections() {
		if (this.harvest.due()) {
			super.harvestClosedConnections();
		}
	}

}
