package io.github.echoserver.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.Bytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every valid combination of {@code echo.mode} and {@code echo.io} speaks the wire protocol of
 * the README's Protocol section byte for byte, and {@code echo.framing=raw} sends every byte back unchanged.
 */
class EchoProtocolTests {

	private static final byte[] PREFIX = bytes("server echo# ");

	private static final int PIPELINED_LINES = 1000;

	@Nested
	class PooledBlocking extends LineFraming {

		PooledBlocking() {
			super("echo.mode=pooled", "echo.io=blocking");
		}

	}

	@Nested
	class PooledNio extends LineFraming {

		PooledNio() {
			super("echo.mode=pooled", "echo.io=nio");
		}

	}

	@Nested
	class SingleBlocking extends LineFraming {

		SingleBlocking() {
			super("echo.mode=single", "echo.io=blocking");
		}

	}

	@Nested
	class SingleNio extends LineFraming {

		SingleNio() {
			super("echo.mode=single", "echo.io=nio");
		}

	}

	@Nested
	class PerConnectionBlocking extends LineFraming {

		PerConnectionBlocking() {
			super("echo.mode=per-connection", "echo.io=blocking");
		}

	}

	@Nested
	class RawPooledBlocking extends RawFraming {

		RawPooledBlocking() {
			super("echo.io=blocking");
		}

	}

	@Nested
	class RawPooledNio extends RawFraming {

		RawPooledNio() {
			super("echo.io=nio");
		}

	}

	/** The line-framing cases, run against one server started with the given properties. */
	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class LineFraming {

		private final String[] properties;

		private RunningServer server;

		LineFraming(String... properties) {
			this.properties = properties;
		}

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start(this.properties);
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		@Test
		void echoesACrLfTerminatedLineWithThePrefixAndCrLf() {
			assertEchoes(bytes("hello\r\n"), bytes("hello"));
		}

		@Test
		void echoesAnLfTerminatedLineWithCrLf() {
			assertEchoes(bytes("hello\n"), bytes("hello"));
		}

		@Test
		void echoesAnEmptyLineAsThePrefixAndCrLf() {
			assertEchoes(bytes("\r\n"), new byte[0]);
			assertEchoes(bytes("\n"), new byte[0]);
		}

		@Test
		void echoesUtf8BytesUnchanged() {
			assertEchoes(bytes("grüße 🌍\r\n"), bytes("grüße 🌍"));
		}

		@Test
		void echoesNulBytesUnchanged() {
			assertEchoes(new byte[] { 'a', 0, 'b', 0, 0, '\r', '\n' }, new byte[] { 'a', 0, 'b', 0, 0 });
		}

		@Test
		void dropsOnlyTheOneCrDirectlyBeforeLf() {
			assertEchoes(bytes("a\rb\r\r\n"), bytes("a\rb\r"));
		}

		@Test
		void answersPipelinedLinesInOrderByteForByte() {
			ByteArrayOutputStream request = new ByteArrayOutputStream();
			ByteArrayOutputStream expected = new ByteArrayOutputStream();
			for (int i = 0; i < PIPELINED_LINES; i++) {
				// Lengths vary and LF alternates with CR LF, so lines straddle the server's reads.
				byte[] line = bytes("line %04d %s".formatted(i, "x".repeat(i % 37)));
				request.writeBytes(line);
				request.writeBytes(bytes((i % 2 == 0) ? "\r\n" : "\n"));
				expected.writeBytes(reply(line));
			}
			try (EchoClient client = this.server.connect()) {
				client.send(request.toByteArray());
				assertSameBytes(client.readBytes(expected.size()), expected.toByteArray());
				client.sendLine("after");
				assertSameBytes(client.readLineBytes(), reply(bytes("after")));
			}
		}

		@Test
		void echoesAnUnterminatedLastLineAfterHalfCloseThenCloses() {
			try (EchoClient client = this.server.connect()) {
				client.send("first\nlast");
				client.shutdownOutput();
				assertSameBytes(client.readToEnd(), concat(reply(bytes("first")), reply(bytes("last"))));
			}
		}

		@Test
		void closesAfterHalfCloseWithNothingPending() {
			try (EchoClient client = this.server.connect()) {
				client.sendLine("only");
				assertSameBytes(client.readLineBytes(), reply(bytes("only")));
				client.shutdownOutput();
				assertThat(client.readToEnd()).isEmpty();
			}
		}

		private void assertEchoes(byte[] sent, byte[] line) {
			try (EchoClient client = this.server.connect()) {
				client.readTimeout(Duration.ofSeconds(5));
				client.send(sent);
				assertSameBytes(client.readLineBytes(), reply(line));
			}
		}

	}

	/** The raw-framing cases (RFC 862), with a line limit that raw framing must ignore. */
	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class RawFraming {

		private final String io;

		private RunningServer server;

		RawFraming(String io) {
			this.io = io;
		}

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start("echo.framing=raw", "echo.max-line-length=64", this.io);
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		@Test
		void sendsEveryByteBackUnchangedWithoutPrefix() {
			byte[] sent = concat(bytes("hello\r\n\n\r"), new byte[] { 0, 1, 0 }, bytes("grüße 🌍"));
			try (EchoClient client = this.server.connect()) {
				client.send(sent);
				assertSameBytes(client.readBytes(sent.length), sent);
			}
		}

		@Test
		void hasNoLineLimit() {
			byte[] sent = bytes("y".repeat(1000));
			try (EchoClient client = this.server.connect()) {
				client.send(sent);
				assertSameBytes(client.readBytes(sent.length), sent);
				client.send("\n");
				assertSameBytes(client.readBytes(1), bytes("\n"));
			}
		}

		@Test
		void echoesWhatWasSentBeforeHalfCloseThenCloses() {
			try (EchoClient client = this.server.connect()) {
				client.send("tail without newline");
				client.shutdownOutput();
				assertSameBytes(client.readToEnd(), bytes("tail without newline"));
			}
		}

	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static byte[] reply(byte[] line) {
		return concat(PREFIX, line, bytes("\r\n"));
	}

	/** Latin-1 maps each byte to one char: equal strings mean equal bytes, and a diff stays readable. */
	static void assertSameBytes(byte[] actual, byte[] expected) {
		assertThat(new String(actual, StandardCharsets.ISO_8859_1))
			.isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
	}

}
