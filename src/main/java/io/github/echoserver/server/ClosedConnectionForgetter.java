package io.github.echoserver.server;

import java.util.Map;

import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;
import org.springframework.integration.ip.tcp.connection.TcpSender;

/**
 * Registered by each of our server factories as one of its own senders: every connection tells
 * its senders when it closes, and this one takes it out of the factory's map then. Spring
 * Integration would otherwise sweep the whole map after every accept, at a cost that grows with
 * the connections open, and an idle server would hold its last closed connections until the next
 * client came.
 */
final class ClosedConnectionForgetter implements TcpSender {

	private final Map<String, TcpConnectionSupport> connections;

	/** @param connections the factory's map of connections */
	ClosedConnectionForgetter(Map<String, TcpConnectionSupport> connections) {
		this.connections = connections;
	}

	@Override
	public void addNewConnection(TcpConnection connection) {
	}

	@Override
	public void removeDeadConnection(TcpConnection connection) {
		this.connections.remove(connection.getConnectionId());
	}

}
