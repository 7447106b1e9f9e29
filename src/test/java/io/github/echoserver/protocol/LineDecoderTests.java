package io.github.echoserver.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Proves the framing of the README's Protocol section byte by byte, without a socket: how {@link
 * LineDecoder} cuts lines (LF or CR LF, bounded by the limit), how {@link RawDecoder} passes chunks,
 * and how each {@link Framing} builds its reply.
 */
class LineDecoderTests {

	private static final int MAX = 16;

	private final List<byte[]> lines = new ArrayList<>();

	private final LineDecoder decoder = new LineDecoder(MAX);

	@Test
	void lfEndsALine() {
		feed("hello\n");
		assertThat(lines()).containsExactly("hello");
		assertThat(this.decoder.hasPartialFrame()).isFalse();
	}

	@Test
	void crLfEndsALineAndTheCrIsDropped() {
		feed("hello\r\n");
		assertThat(lines()).containsExactly("hello");
	}

	@Test
	void crAndLfInSeparateReadsMakeOneLine() {
		feed("hello\r");
		assertThat(lines()).isEmpty();
		assertThat(this.decoder.hasPartialFrame()).isTrue();
		feed("\n");
		assertThat(lines()).containsExactly("hello");
		assertThat(this.decoder.hasPartialFrame()).isFalse();
		assertThat(this.decoder.finish()).isNull();
	}

	@Test
	void lineFedOneByteAtATimeIsOneLine() {
		for (byte b : bytes("one byte\r\ntwo\n")) {
			this.decoder.decode(new byte[] { b }, 0, 1, this.lines::add);
		}
		assertThat(lines()).containsExactly("one byte", "two");
	}

	@Test
	void aBudgetOfLinesStopsRightAfterTheLastOneAndLeavesTheRestUntaken() {
		byte[] buffer = bytes("a\n\nb\r\ncd");
		assertThat(this.decoder.decode(buffer, 0, buffer.length, 2, this.lines::add)).isEqualTo(3);
		assertThat(lines()).containsExactly("a", "");
		assertThat(this.decoder.hasPartialFrame()).as("the rest is the caller's, not kept").isFalse();
		assertThat(this.decoder.decode(buffer, 3, buffer.length - 3, 2, this.lines::add)).isEqualTo(buffer.length - 3);
		assertThat(lines()).containsExactly("a", "", "b");
		assertThat(this.decoder.hasPartialFrame()).isTrue();
		assertThat(this.decoder.frames()).isEqualTo(3);
	}

	@Test
	void onlyTheBytesInTheGivenRangeAreDecoded() {
		byte[] buffer = bytes("XXab\ncdYY");
		this.decoder.decode(buffer, 2, 5, this.lines::add);
		assertThat(lines()).containsExactly("ab");
		assertThat(this.decoder.finish()).isEqualTo(bytes("cd"));
	}

	@Test
	void loneCrInTheMiddleOfALineStays() {
		feed("a\rb\r\n");
		assertThat(lines()).containsExactly("a\rb");
	}

	@Test
	void crKeptFromAnEarlierReadStaysWhenTheLineGoesOn() {
		feed("a\r");
		feed("b\n");
		assertThat(lines()).containsExactly("a\rb");
	}

	@Test
	void onlyOneCrBeforeLfIsDropped() {
		feed("a\r\r\n");
		assertThat(lines()).containsExactly("a\r");
	}

	@Test
	void emptyLinesAreLines() {
		feed("\n\r\n");
		assertThat(lines()).containsExactly("", "");
	}

	@Test
	void utf8AndNulBytesPassThroughUnchanged() {
		byte[] line = { 'h', (byte) 0xC3, (byte) 0xA9, 0, (byte) 0xE2, (byte) 0x82, (byte) 0xAC, 0, (byte) 0xFF };
		byte[] input = new byte[line.length + 1];
		System.arraycopy(line, 0, input, 0, line.length);
		input[line.length] = '\n';
		this.decoder.decode(input, 0, input.length, this.lines::add);
		assertThat(this.lines).hasSize(1);
		assertThat(this.lines.get(0)).isEqualTo(line);
	}

	@Test
	void severalLinesInOneChunkKeepTheirOrder() {
		feed("one\ntwo\r\nthree\nfour");
		assertThat(lines()).containsExactly("one", "two", "three");
		assertThat(this.decoder.finish()).isEqualTo(bytes("four"));
	}

	@Test
	void lineSplitOverReadsIsJoined() {
		feed("first\nsec");
		feed("ond\nthi");
		feed("rd\r\n");
		assertThat(lines()).containsExactly("first", "second", "third");
	}

	@Test
	void framesHandedOutAreNotOverwrittenByLaterReads() {
		byte[] buffer = bytes("abc\n");
		this.decoder.decode(buffer, 0, buffer.length, this.lines::add);
		buffer[0] = 'X';
		feed("def\n");
		assertThat(lines()).containsExactly("abc", "def");
	}

	@Test
	void finishReturnsTheUnterminatedTail() {
		feed("done\npartial");
		assertThat(this.decoder.hasPartialFrame()).isTrue();
		assertThat(this.decoder.finish()).isEqualTo(bytes("partial"));
		assertThat(this.decoder.hasPartialFrame()).isFalse();
	}

	@Test
	void finishReturnsNullWhenEveryLineWasTerminated() {
		feed("done\r\n");
		assertThat(this.decoder.finish()).isNull();
	}

	@Test
	void finishReturnsNullWhenNothingArrived() {
		assertThat(this.decoder.finish()).isNull();
	}

	@Test
	void lineOfExactlyMaxBytesIsAccepted() {
		feed("a".repeat(MAX) + "\n");
		assertThat(lines()).containsExactly("a".repeat(MAX));
	}

	@Test
	void lineOfExactlyMaxBytesWithCrLfIsAccepted() {
		feed("a".repeat(MAX) + "\r\n");
		assertThat(lines()).containsExactly("a".repeat(MAX));
	}

	@Test
	void lineOfExactlyMaxBytesWithCrAndLfInSeparateReadsIsAccepted() {
		feed("a".repeat(MAX) + "\r");
		feed("\n");
		assertThat(lines()).containsExactly("a".repeat(MAX));
	}

	@Test
	void unterminatedTailOfExactlyMaxBytesIsReturnedByFinish() {
		feed("a".repeat(MAX));
		assertThat(this.decoder.finish()).isEqualTo(bytes("a".repeat(MAX)));
	}

	@Test
	void terminatedLineOfMaxPlusOneBytesIsTooLong() {
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a".repeat(MAX + 1) + "\n"))
			.satisfies((ex) -> assertThat(ex.getMaxLineLength()).isEqualTo(MAX))
			.withMessage("line too long (max " + MAX + " bytes)");
	}

	@Test
	void terminatedLineOfMaxPlusOneBytesWithCrLfIsTooLong() {
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a".repeat(MAX + 1) + "\r\n"));
	}

	@Test
	void lineOfMaxPlusOneBytesSplitOverReadsIsTooLong() {
		feed("a".repeat(MAX));
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a\n"));
	}

	@Test
	void lineThatNeverEndsIsTooLongOnceMoreThanMaxPlusOneBytesAreBuffered() {
		// max + 1 bytes may still be max bytes and the CR of a CR LF, so they are kept...
		feed("a".repeat(MAX + 1));
		// ...but the next byte makes the line too long whatever follows: it is not buffered.
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a"));
	}

	@Test
	void lineThatNeverEndsInOneBigChunkIsTooLong() {
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a".repeat(10 * MAX)));
	}

	@Test
	void lineThatNeverEndsFedByteByByteIsTooLongAtByteMaxPlusTwo() {
		for (int i = 0; i < MAX + 1; i++) {
			feed("a");
		}
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("a"));
	}

	@Test
	void unterminatedTailLongerThanMaxIsTooLongAtTheEndOfTheStream() {
		// the README's Protocol section: a line over the limit is never echoed, also when the client closes
		// without a line terminator.
		feed("a".repeat(MAX + 1));
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(this.decoder::finish);
	}

	@Test
	void linesBeforeTheTooLongOneInTheSameChunkAreStillDelivered() {
		assertThatExceptionOfType(LineTooLongException.class)
			.isThrownBy(() -> feed("first\nsecond\r\n" + "a".repeat(MAX + 1) + "\nafter\n"));
		assertThat(lines()).containsExactly("first", "second");
	}

	@Test
	void linesBeforeAnUnterminatedTooLongTailInTheSameChunkAreStillDelivered() {
		assertThatExceptionOfType(LineTooLongException.class).isThrownBy(() -> feed("first\n" + "a".repeat(MAX + 2)));
		assertThat(lines()).containsExactly("first");
	}

	@Test
	void rawDecoderHandsOutEachChunkUnchanged() {
		RawDecoder raw = new RawDecoder();
		List<byte[]> chunks = new ArrayList<>();
		byte[] buffer = { 'x', 'a', '\r', '\n', 0, (byte) 0xFF, 'y' };
		raw.decode(buffer, 1, 5, chunks::add);
		raw.decode(buffer, 0, 0, chunks::add);
		raw.decode(buffer, 6, 1, chunks::add);
		assertThat(chunks).hasSize(2);
		assertThat(chunks.get(0)).isEqualTo(new byte[] { 'a', '\r', '\n', 0, (byte) 0xFF });
		assertThat(chunks.get(1)).isEqualTo(new byte[] { 'y' });
		assertThat(raw.hasPartialFrame()).isFalse();
		assertThat(raw.finish()).isNull();
	}

	@Test
	void rawDecoderHasNoLineLimit() {
		FrameDecoder raw = Framing.RAW.newDecoder(MAX);
		List<byte[]> chunks = new ArrayList<>();
		byte[] big = bytes("a".repeat(100 * MAX));
		raw.decode(big, 0, big.length, chunks::add);
		assertThat(chunks).hasSize(1);
		assertThat(chunks.get(0)).isEqualTo(big);
	}

	@Test
	void lineFramingDecodesWithALineDecoderOfTheGivenLimit() {
		FrameDecoder line = Framing.LINE.newDecoder(3);
		assertThat(line).isInstanceOf(LineDecoder.class);
		List<byte[]> frames = new ArrayList<>();
		byte[] ok = bytes("abc\n");
		line.decode(ok, 0, ok.length, frames::add);
		assertThat(frames).hasSize(1);
		byte[] tooLong = bytes("abcd\n");
		assertThatExceptionOfType(LineTooLongException.class)
			.isThrownBy(() -> line.decode(tooLong, 0, tooLong.length, frames::add));
	}

	@Test
	void lineReplyIsPrefixLineAndCrLf() {
		assertThat(Framing.LINE.reply(bytes("server echo# "), bytes("hello"))).isEqualTo(bytes("server echo# hello\r\n"));
	}

	@Test
	void lineReplyToAnEmptyLineIsPrefixAndCrLf() {
		assertThat(Framing.LINE.reply(bytes("server echo# "), new byte[0])).isEqualTo(bytes("server echo# \r\n"));
	}

	@Test
	void lineReplyWithAnEmptyPrefixIsTheLineAndCrLf() {
		assertThat(Framing.LINE.reply(new byte[0], new byte[] { 0, (byte) 0xFF }))
			.isEqualTo(new byte[] { 0, (byte) 0xFF, '\r', '\n' });
	}

	@Test
	void rawReplyIsTheChunkUnchangedWithoutPrefix() {
		byte[] chunk = { 'a', '\n', 0, (byte) 0xFF };
		assertThat(Framing.RAW.reply(bytes("server echo# "), chunk)).isEqualTo(new byte[] { 'a', '\n', 0, (byte) 0xFF });
	}

	private void feed(String chunk) {
		byte[] bytes = bytes(chunk);
		this.decoder.decode(bytes, 0, bytes.length, this.lines::add);
	}

	/** The decoded lines as text; ISO-8859-1 maps every byte to one char, so nothing is lost. */
	private List<String> lines() {
		return this.lines.stream().map((line) -> new String(line, StandardCharsets.ISO_8859_1)).toList();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

}
