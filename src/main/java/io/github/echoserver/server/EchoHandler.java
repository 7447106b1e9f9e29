package io.github.echoserver.server;

import io.github.echoserver.protocol.Framing;

import org.springframework.integration.handler.AbstractReplyProducingMessageHandler;
import org.springframework.messaging.Message;

/**
 * The service between the inbound and the outbound channel adapter: one frame in, its echo out,
 * as one array so it leaves in one write. The reply keeps the request's headers, so the
 * outbound adapter finds the connection by its id. Runs on the connection's reading thread; it
 * counts nothing and logs nothing, because the connection does both where the bytes are.
 */
public final class EchoHandler extends AbstractReplyProducingMessageHandler {

	private final Framing framing;

	private final byte[] prefix;

	public EchoHandler(Framing framing, byte[] prefix) {
		this.framing = framing;
		this.prefix = prefix.clone();
	}

	@Override
	protected Object handleRequestMessage(Message<?> request) {
		return this.framing.reply(this.prefix, (byte[]) request.getPayload());
	}

}
