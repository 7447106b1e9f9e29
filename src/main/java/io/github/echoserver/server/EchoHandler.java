package io.github.echoserver.server;

import java.util.Map;

import io.github.echoserver.protocol.Framing;

import org.springframework.integration.handler.AbstractReplyProducingMessageHandler;
import org.springframework.integration.ip.IpHeaders;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

/**
 * The service between the inbound and the outbound channel adapter: one frame in, its echo out,
 * as one array so it leaves in one write. The reply carries the request's connection id, so the
 * outbound adapter finds the connection. Runs on the connection's reading thread; it
 * counts nothing and logs nothing, because the connection does both where the bytes are.
 */
public final class EchoHandler extends AbstractReplyProducingMessageHandler {

	private final Framing framing;

	private final byte[] prefix;

	public EchoHandler(Framing framing, byte[] prefix) {
		this.framing = framing;
		this.prefix = prefix.clone();
	}

	/**
	 * The reply carries only the connection id; copying the request's headers into a builder and
	 * out again was the larger part of this handler's cost in the profile.
	 */
	@Override
	protected Object handleRequestMessage(Message<?> request) {
		byte[] reply = this.framing.reply(this.prefix, (byte[]) request.getPayload());
		Object connectionId = request.getHeaders().get(IpHeaders.CONNECTION_ID);
		return new GenericMessage<>(reply, Map.of(IpHeaders.CONNECTION_ID, connectionId));
	}

	@Override
	protected boolean shouldCopyRequestHeaders() {
		return false;
	}

}
