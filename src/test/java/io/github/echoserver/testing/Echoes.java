package io.github.echoserver.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One line's round trip as the tests check it: sent with CR LF, answered with the default
 * prefix, the line and CR LF (the README's Protocol section).
 */
public final class Echoes {

	/** The default {@code echo.prefix}. */
	public static final String PREFIX = "server echo# ";

	private Echoes() {
	}

	/** Send {@code line} and assert that the next line the server sends is its echo. */
	public static void assertEchoes(EchoClient client, String line) {
		client.sendLine(line);
		assertThat(client.readLine()).isEqualTo(PREFIX + line);
	}

	/** Send {@code line} and say whether the next line the server sends is its echo, for a condition to wait on. */
	public static boolean echoes(EchoClient client, String line) {
		client.sendLine(line);
		return client.readLine().equals(PREFIX + line);
	}

}
