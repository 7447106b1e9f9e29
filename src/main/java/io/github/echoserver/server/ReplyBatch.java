package io.github.echoserver.server;

import java.nio.ByteBuffer;

/**
 * The replies to one read, gathered so that they leave in one write: an event loop has one and
 * lends it to the connection it is serving, which flushes it before the loop moves on.
 */
final class ReplyBatch {

	private static final int INITIAL_CAPACITY = 4096;

	/** Flushed early once it holds this much, so a huge read does not double it for ever. */
	static final int FLUSH_AT = 64 * 1024;

	private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_CAPACITY);

	void add(byte[] bytes, int offset, int length) {
		if (this.buffer.remaining() < length) {
			ByteBuffer grown = ByteBuffer.allocate(Math.max(this.buffer.capacity() * 2, this.buffer.position() + length));
			this.buffer.flip();
			grown.put(this.buffer);
			this.buffer = grown;
		}
		this.buffer.put(bytes, offset, length);
	}

	boolean isEmpty() {
		return this.buffer.position() == 0;
	}

	boolean isFull() {
		return this.buffer.position() >= FLUSH_AT;
	}

	/** The gathered bytes, ready to be written; {@link #clear()} once done with them. */
	ByteBuffer flip() {
		this.buffer.flip();
		return this.buffer;
	}

	void clear() {
		this.buffer.clear();
	}

}
