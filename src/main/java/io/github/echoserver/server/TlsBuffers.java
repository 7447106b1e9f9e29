package io.github.echoserver.server;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;

/**
 * The scratch buffers of one {@link EventLoop}'s TLS connections: records read from a socket
 * ({@link #networkIn}), their plaintext ({@link #plainIn}), and records on their way to a socket
 * ({@link #networkOut}). A loop serves one connection at a time and each connection is done
 * with them before the loop moves on, so a loop needs one set however many connections it has:
 * an idle TLS connection holds no buffer of its own (Netty's {@code SslHandler} gets the same
 * from its pooled allocator). What a connection must keep across turns (part of a record, records
 * not unwrapped yet, records the socket did not take) it copies out, into a buffer of its own
 * that it lets go once drained.
 * <p>
 * Made on the loop's thread when its first TLS connection reads or writes, sized by that
 * connection's engine: about 130 KiB a loop.
 */
final class TlsBuffers {

	/** A record, header and expansion included, as the engine bounds it (16,709 bytes for the JDK's). */
	private final int packetSize;

	/**
	 * Room for a partial record kept from before and a read of at least one whole record. Its
	 * plaintext is never larger, so {@link #plainIn} of the same size takes every record of it.
	 */
	private final ByteBuffer networkIn;

	private ByteBuffer plainIn;

	/**
	 * Four records: a flush of the {@link ReplyBatch} (64 KiB) goes out in one write. The JDK's
	 * engine wraps only into a buffer with room for a whole record.
	 */
	private final ByteBuffer networkOut;

	TlsBuffers(SSLEngine engine) {
		this.packetSize = engine.getSession().getPacketBufferSize();
		this.networkIn = ByteBuffer.allocate(2 * this.packetSize);
		this.plainIn = ByteBuffer.allocate(2 * this.packetSize);
		this.networkOut = ByteBuffer.allocate(4 * this.packetSize);
	}

	int packetSize() {
		return this.packetSize;
	}

	ByteBuffer networkIn() {
		return this.networkIn;
	}

	ByteBuffer plainIn() {
		return this.plainIn;
	}

	ByteBuffer networkOut() {
		return this.networkOut;
	}

	/**
	 * The engine asked for more room for one record's plaintext than {@link #plainIn} has while
	 * empty (an engine that negotiated larger records): grown once, for the loop's life.
	 * @param size what the engine's session asks for
	 */
	void growPlainIn(int size) {
		this.plainIn = ByteBuffer.allocate(Math.max(size, 2 * this.plainIn.capacity()));
	}

}
