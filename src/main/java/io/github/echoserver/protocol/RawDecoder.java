package io.github.echoserver.protocol;

import java.util.Arrays;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Raw framing (RFC 862): every chunk the socket returns is a frame and goes back unchanged.
 * Nothing is held between reads, so there is no limit to enforce and nothing to flush at the end.
 */
public final class RawDecoder implements FrameDecoder {

	private long chunks;

	/** A chunk is one frame, so any budget of frames takes it whole. */
	@Override
	public int decode(byte[] buffer, int offset, int length, int maxFrames, Consumer<byte[]> frames) {
		if (length > 0) {
			this.chunks++;
			frames.accept(Arrays.copyOfRange(buffer, offset, offset + length));
		}
		return length;
	}

	/** Whatever bytes are left make one chunk. */
	@Override
	public int countFrames(byte[] buffer, int offset, int length) {
		return (length > 0) ? 1 : 0;
	}

	@Override
	public byte @Nullable [] finish() {
		return null;
	}

	@Override
	public boolean hasPartialFrame() {
		return false;
	}

	@Override
	public long frames() {
		return this.chunks;
	}

}
