package io.github.echoserver.server;

import io.github.echoserver.protocol.Framing;

import org.springframework.integration.core.GenericHandler;
import org.springframework.messaging.MessageHeaders;

/**
 * The service behind the inbound gateway: one frame in, its echo out, as one array so it leaves
 * in one write. Runs on the connection's reading thread; it counts nothing and logs nothing,
 * because the connection does both where the bytes are.
 */
public final class EchoHandler implements GenericHandler<byte[]> {

	private final Framing framing;

	private final byte[] prefix;

	public EchoHandler(Framing framing, byte[] prefix) {
		this.framing = framing;
		this.prefix = prefix.clone();
	}

	@Override
	public byte[] handle(byte[] frame, MessageHeaders headers) {
		return this.framing.reply(this.prefix, frame);
	}

}
