package io.github.echoserver.protocol;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Cuts one connection's byte stream into frames. Bytes arrive in whatever pieces the socket
 * returns; a decoder keeps what does not yet make a frame until the next call.
 */
public interface FrameDecoder {

	/**
	 * Decode the bytes {@code buffer[offset, offset + length)}, handing each complete frame to
	 * {@code frames} in order.
	 * @param buffer bytes read from the connection; not retained after the call
	 * @param offset where the new bytes start
	 * @param length how many new bytes there are
	 * @param frames receives each complete frame, a fresh array the receiver may keep
	 * @throws LineTooLongException when a line exceeds the limit; the decoder is then unusable
	 */
	default void decode(byte[] buffer, int offset, int length, Consumer<byte[]> frames) {
		decode(buffer, offset, length, Integer.MAX_VALUE, frames);
	}

	/**
	 * Decode as {@link #decode(byte[], int, int, Consumer)} does, but stop after
	 * {@code maxFrames} frames, so that a caller can bound the work one call does (an event
	 * loop serving many connections does). The bytes after the last frame handed on are not
	 * looked at: the caller hands them in again, before any newer bytes.
	 * @param buffer bytes read from the connection; not retained after the call
	 * @param offset where the new bytes start
	 * @param length how many new bytes there are
	 * @param maxFrames the most frames to hand on, at least 1
	 * @param frames receives each complete frame, a fresh array the receiver may keep
	 * @return how many of the bytes were taken: {@code length} unless {@code maxFrames} frames
	 * ended before the last byte
	 * @throws LineTooLongException when a line exceeds the limit; the decoder is then unusable
	 */
	int decode(byte[] buffer, int offset, int length, int maxFrames, Consumer<byte[]> frames);

	/**
	 * How many frames bytes that this decoder will not be given would have made, counted without
	 * decoding them: those left untaken after the last frame a connection is served
	 * ({@code echo.lines-per-connection}), so that they can be counted as dropped.
	 * @param buffer the bytes
	 * @param offset where they start, at a frame's start
	 * @param length how many there are
	 * @return the frames, an unfinished last one included
	 */
	int countFrames(byte[] buffer, int offset, int length);

	/**
	 * At the end of the stream: the unterminated last frame, so that nothing the client sent
	 * is lost, or {@code null} when there is none.
	 * @return the pending bytes, or null
	 * @throws LineTooLongException when the pending bytes are over the limit
	 */
	byte @Nullable [] finish();

	/** Whether bytes of an unfinished frame are held (used by the line timeout). */
	boolean hasPartialFrame();

	/** How many frames this decoder has produced so far (used by the line timeout). */
	long frames();

}
