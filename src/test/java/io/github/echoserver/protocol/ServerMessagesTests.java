package io.github.echoserver.protocol;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that the server's own lines are, byte for byte, the {@code server <word># <text>} CR LF
 * lines that the README's Protocol section promises.
 */
class ServerMessagesTests {

	@Test
	void tooManyConnectionsIsABusyLine() {
		assertThat(ServerMessages.TOO_MANY_CONNECTIONS).isEqualTo(ascii("server busy# too many connections\r\n"));
	}

	@Test
	void tooManyConnectionsFromTheAddressIsABusyLine() {
		assertThat(ServerMessages.TOO_MANY_CONNECTIONS_FROM_ADDRESS)
			.isEqualTo(ascii("server busy# too many connections from your address\r\n"));
	}

	@Test
	void poolFullIsABusyLine() {
		assertThat(text(ServerMessages.POOL_FULL)).startsWith("server busy# ").endsWith("\r\n");
	}

	@Test
	void telnetInterruptIsAByeLine() {
		assertThat(ServerMessages.INTERRUPTED).isEqualTo(ascii("server bye# interrupted\r\n"));
	}

	@Test
	void idleTimeoutIsAByeLine() {
		assertThat(ServerMessages.IDLE_TIMEOUT).isEqualTo(ascii("server bye# idle timeout\r\n"));
	}

	@Test
	void shuttingDownIsAByeLine() {
		assertThat(ServerMessages.SHUTTING_DOWN).isEqualTo(ascii("server bye# shutting down\r\n"));
	}

	@Test
	void closedByAdministratorIsAByeLine() {
		assertThat(ServerMessages.CLOSED_BY_ADMINISTRATOR).isEqualTo(ascii("server bye# closed by administrator\r\n"));
	}

	@Test
	void lineTooLongIsAnErrorLineNamingTheLimit() {
		assertThat(ServerMessages.lineTooLong(8192)).isEqualTo(ascii("server error# line too long (max 8192 bytes)\r\n"));
		assertThat(ServerMessages.lineTooLong(5)).isEqualTo(ascii("server error# line too long (max 5 bytes)\r\n"));
	}

	@Test
	void lineTooLongMatchesTheDecodersException() {
		assertThat(text(ServerMessages.lineTooLong(8192)))
			.isEqualTo("server error# " + new LineTooLongException(8192).getMessage() + "\r\n");
	}

	@Test
	void internalErrorIsAnErrorLine() {
		assertThat(text(ServerMessages.INTERNAL_ERROR)).startsWith("server error# ").endsWith("\r\n");
	}

	@Test
	void everyFormHasOneShape() {
		assertThat(ServerMessages.busy("x y")).isEqualTo(ascii("server busy# x y\r\n"));
		assertThat(ServerMessages.bye("x y")).isEqualTo(ascii("server bye# x y\r\n"));
		assertThat(ServerMessages.error("x y")).isEqualTo(ascii("server error# x y\r\n"));
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
