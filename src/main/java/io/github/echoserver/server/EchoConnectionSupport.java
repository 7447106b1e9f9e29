package io.github.echoserver.server;

import java.net.Socket;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.protocol.Framing;
import io.github.echoserver.protocol.ServerMessages;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;
import org.springframework.integration.ip.tcp.connection.TcpNioConnection;
import org.springframework.integration.ip.tcp.connection.TcpNioConnectionSupport;

/**
 * Spring Integration's hook for creating connection objects, for both factory flavours. Called
 * on the accepting thread for every new socket: it builds our connection class, admits it to
 * the registry, and refuses it with {@code server busy#} when {@code echo.max-connections} are
 * open already.
 */
final class EchoConnectionSupport implements TcpNetConnectionSupport, TcpNioConnectionSupport {

	private final ConnectionRegistry registry;

	private final Framing framing;

	private final int maxLineLength;

	private final SelectLoop loop;

	private final NioBackPressure backPressure;

	EchoConnectionSupport(ConnectionRegistry registry, Framing framing, int maxLineLength, SelectLoop loop,
			NioBackPressure backPressure) {
		this.registry = registry;
		this.framing = framing;
		this.maxLineLength = maxLineLength;
		this.loop = loop;
		this.backPressure = backPressure;
	}

	@Override
	public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
			@Nullable ApplicationEventPublisher publisher, @Nullable String factoryName) {
		EchoNetConnection connection = new EchoNetConnection(socket, lookupHost, publisher, factoryName,
				newSession(socket));
		// Blocking connections wait in the model's queue until a worker runs them.
		if (!admit(connection, connection.session(), socket, ConnectionState.WAITING)) {
			connection.refuse(ServerMessages.TOO_MANY_CONNECTIONS);
		}
		return connection;
	}

	@Override
	public TcpNioConnection createNewConnection(SocketChannel channel, boolean server, boolean lookupHost,
			@Nullable ApplicationEventPublisher publisher, @Nullable String factoryName) {
		EchoNioConnection connection = new EchoNioConnection(channel, lookupHost, publisher, factoryName,
				newSession(channel.socket()), this.loop, this.backPressure);
		// NIO connections are served by the event loop from the start.
		if (!admit(connection, connection.session(), channel.socket(), ConnectionState.SERVING)) {
			connection.refuse(ServerMessages.TOO_MANY_CONNECTIONS);
		}
		return connection;
	}

	private ConnectionSession newSession(Socket socket) {
		String peer = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
		return new ConnectionSession(this.framing.newDecoder(this.maxLineLength), this.framing == Framing.LINE, peer,
				this.registry);
	}

	private <C extends TcpConnection & ConnectionHandle> boolean admit(C connection, ConnectionSession session,
			Socket socket, ConnectionState state) {
		TrackedConnection tracked = this.registry.admit(connection.getConnectionId(),
				socket.getInetAddress().getHostAddress(), socket.getPort(), state, connection);
		if (tracked == null) {
			return false;
		}
		session.track(tracked);
		return true;
	}

}
