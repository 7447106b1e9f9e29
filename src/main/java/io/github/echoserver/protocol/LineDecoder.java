package io.github.echoserver.protocol;

import java.util.Arrays;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Line framing: a line ends at LF, and one CR directly before the LF is dropped, so both
 * {@code telnet} (CR LF) and {@code nc} (LF) clients work. A lone CR is an ordinary byte.
 * Lines are bytes, never decoded as text, so UTF-8 and NUL pass through.
 * <p>
 * Bounded: a line longer than {@code maxLineLength} bytes (terminator excluded) raises
 * {@link LineTooLongException} as soon as that is certain, so a client that never sends LF
 * costs at most {@code maxLineLength + 1} buffered bytes, not its whole stream.
 */
public final class LineDecoder implements FrameDecoder {

	private static final byte CR = '\r';

	private static final byte LF = '\n';

	private static final byte[] EMPTY = new byte[0];

	private final int maxLineLength;

	/** The unterminated tail of the previous reads; grows only up to {@code maxLineLength + 1}. */
	private byte[] partial = EMPTY;

	private int partialLength;

	private long lines;

	public LineDecoder(int maxLineLength) {
		this.maxLineLength = maxLineLength;
	}

	@Override
	public int decode(byte[] buffer, int offset, int length, int maxFrames, Consumer<byte[]> frames) {
		int end = offset + length;
		int start = offset;
		int left = maxFrames;
		for (int i = offset; i < end; i++) {
			if (buffer[i] == LF) {
				frames.accept(line(buffer, start, i));
				start = i + 1;
				if (--left == 0) {
					// The rest is the caller's to hand in again: nothing of it is kept here.
					return start - offset;
				}
			}
		}
		if (start < end) {
			keep(buffer, start, end - start);
		}
		return length;
	}

	/** Each LF ends a line, and bytes after the last LF are one more, unfinished. */
	@Override
	public int countFrames(byte[] buffer, int offset, int length) {
		int end = offset + length;
		int lines = 0;
		for (int i = offset; i < end; i++) {
			if (buffer[i] == LF) {
				lines++;
			}
		}
		return (length > 0 && buffer[end - 1] != LF) ? lines + 1 : lines;
	}

	@Override
	public byte @Nullable [] finish() {
		if (this.partialLength == 0) {
			return null;
		}
		if (this.partialLength > this.maxLineLength) {
			// max + 1 bytes were kept in case the last was the CR of a CR LF; no LF came.
			throw tooLong();
		}
		byte[] tail = Arrays.copyOf(this.partial, this.partialLength);
		this.partialLength = 0;
		return tail;
	}

	@Override
	public boolean hasPartialFrame() {
		return this.partialLength > 0;
	}

	@Override
	public long frames() {
		return this.lines;
	}

	/** The line ending just before {@code buffer[lf]}, joined to any kept tail, CR dropped. */
	private byte[] line(byte[] buffer, int start, int lf) {
		int length = this.partialLength + (lf - start);
		boolean endsWithCr = (lf > start) ? buffer[lf - 1] == CR
				: this.partialLength > 0 && this.partial[this.partialLength - 1] == CR;
		if (endsWithCr) {
			length--;
		}
		if (length > this.maxLineLength) {
			throw tooLong();
		}
		byte[] line = new byte[length];
		int fromPartial = Math.min(this.partialLength, length);
		System.arraycopy(this.partial, 0, line, 0, fromPartial);
		System.arraycopy(buffer, start, line, fromPartial, length - fromPartial);
		this.partialLength = 0;
		this.lines++;
		return line;
	}

	private void keep(byte[] buffer, int start, int count) {
		int needed = this.partialLength + count;
		// One byte of slack: a CR at the limit may still be the first half of a CR LF.
		if (needed > this.maxLineLength + 1) {
			throw tooLong();
		}
		if (needed > this.partial.length) {
			this.partial = Arrays.copyOf(this.partial, Math.min(Math.max(needed, this.partial.length * 2),
					this.maxLineLength + 1));
		}
		System.arraycopy(buffer, start, this.partial, this.partialLength, count);
		this.partialLength = needed;
	}

	private LineTooLongException tooLong() {
		this.partial = EMPTY;
		this.partialLength = 0;
		return new LineTooLongException(this.maxLineLength);
	}

}
