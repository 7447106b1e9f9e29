package io.github.echoserver.server;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpMessageMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

/**
 * Turns each frame into a message that carries the one header the reply needs, the connection
 * id. The stock mapper adds host, address, ports and local address to every line and builds the
 * headers twice; the handler reads none of them, and the profile showed the work per line.
 */
final class EchoMessageMapper extends TcpMessageMapper {

	@Override
	public @Nullable Message<?> toMessage(TcpConnection connection, @Nullable Map<String, Object> headers) {
		return new GenericMessage<>(connection.getPayload(), Map.of(IpHeaders.CONNECTION_ID, connection.getConnectionId()));
	}

}
