package io.github.echoserver.server;

import org.junit.jupiter.api.Test;

import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;

class EchoServerSmokeTests {

	@Test
	void echoesALineWithThePrefix() {
		try (RunningServer server = RunningServer.start(); EchoClient client = server.connect()) {
			client.sendLine("hello");
			assertThat(client.readLine()).isEqualTo("server echo# hello");
		}
	}

}
