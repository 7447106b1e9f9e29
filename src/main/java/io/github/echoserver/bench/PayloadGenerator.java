package io.github.echoserver.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The line of every request, regenerated from (connection id, sequence number), so a reply is
 * checked without storing what was sent. Same seed and same bytes as the anchors' loadgen, so
 * both tools send the same lines.
 */
final class PayloadGenerator {

	/** What the server puts before every echoed line (the README's Protocol section). */
	static final byte[] PREFIX = "server echo# ".getBytes(StandardCharsets.US_ASCII);

	/** 64 printable bytes, none of them CR or LF: 6 random bits pick one. */
	private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		.getBytes(StandardCharsets.US_ASCII);

	/** loadgen's default seed (its {@code -x}). */
	private static final long SEED = 0x5eed5eed12345678L;

	private final int size;

	PayloadGenerator(int size) {
		this.size = size;
	}

	/** Bytes of one request: payload and CR LF. */
	int requestLength() {
		return this.size + 2;
	}

	/** Bytes of one reply: prefix, payload and CR LF. */
	int replyLength() {
		return PREFIX.length + this.size + 2;
	}

	/** Append request {@code sequence} of connection {@code connectionId} to a heap buffer. */
	void writeRequest(int connectionId, long sequence, ByteBuffer out) {
		int at = out.arrayOffset() + out.position();
		byte[] bytes = out.array();
		payload(connectionId, sequence, bytes, at);
		bytes[at + this.size] = '\r';
		bytes[at + this.size + 1] = '\n';
		out.position(out.position() + this.size + 2);
	}

	/** Fill {@code reply} ({@link #replyLength()} bytes) with the reply the server owes. */
	void writeReply(int connectionId, long sequence, byte[] reply) {
		System.arraycopy(PREFIX, 0, reply, 0, PREFIX.length);
		payload(connectionId, sequence, reply, PREFIX.length);
		reply[PREFIX.length + this.size] = '\r';
		reply[PREFIX.length + this.size + 1] = '\n';
	}

	private void payload(int connectionId, long sequence, byte[] bytes, int offset) {
		long state = SEED ^ ((long) connectionId << 40) ^ (sequence * 0xD1B54A32D192ED03L);
		long random = 0;
		int bits = 0;
		for (int i = 0; i < this.size; i++) {
			if (bits < 6) {
				state += 0x9E3779B97F4A7C15L;
				random = splitMix64(state);
				bits = 64;
			}
			bytes[offset + i] = ALPHABET[(int) (random & 63)];
			random >>>= 6;
			bits -= 6;
		}
	}

	private static long splitMix64(long state) {
		long z = (state ^ (state >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
