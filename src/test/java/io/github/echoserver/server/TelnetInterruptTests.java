package io.github.echoserver.server;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that telnet's Ctrl+C (IAC IP, then IAC DO TIMING-MARK) ends the session with
 * {@code server bye# interrupted} after the lines before it are answered, in both I/O flavours,
 * while raw framing echoes the same bytes unchanged.
 */
class TelnetInterruptTests {

	/** What telnet sends on Ctrl+C: IAC IP, IAC DO TIMING-MARK. */
	private static final byte[] CTRL_C = { (byte) 0xFF, (byte) 0xF4, (byte) 0xFF, (byte) 0xFD, 0x06 };

	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void ctrlCEndsTheSessionAfterTheLinesBeforeIt(String io) {
		try (RunningServer server = RunningServer.start("echo.io=" + io); EchoClient client = server.connect();
				EchoClient other = server.connect()) {
			byte[] lineThenCtrlC = new byte[5 + CTRL_C.length];
			System.arraycopy("abc\r\n".getBytes(), 0, lineThenCtrlC, 0, 5);
			System.arraycopy(CTRL_C, 0, lineThenCtrlC, 5, CTRL_C.length);
			client.send(lineThenCtrlC);
			assertThat(client.readLine()).isEqualTo("server echo# abc");
			assertThat(client.readLine()).isEqualTo("server bye# interrupted");
			assertThat(client.isClosedByServer()).isTrue();
			other.sendLine("still here");
			assertThat(other.readLine()).isEqualTo("server echo# still here");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "blocking", "nio" })
	void rawFramingEchoesTheSameBytes(String io) {
		try (RunningServer server = RunningServer.start("echo.io=" + io, "echo.framing=raw");
				EchoClient client = server.connect()) {
			client.send(CTRL_C);
			assertThat(client.readBytes(CTRL_C.length)).isEqualTo(CTRL_C);
		}
	}

}
