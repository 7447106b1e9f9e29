package io.github.echoserver.server;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsLineClient;

import static org.assertj.core.api.Assertions.assertThat;

class NioTlsTests {

	static String[] tls(String... more) {
		return Stream.concat(Stream.of("echo.io=nio", "echo.ssl.bundle=test",
				"spring.ssl.bundle.pem.test.keystore.certificate=classpath:tls/server.pem",
				"spring.ssl.bundle.pem.test.keystore.private-key=classpath:tls/server.key",
				"spring.ssl.bundle.pem.test.truststore.certificate=classpath:tls/ca.pem"), Stream.of(more))
			.toArray(String[]::new);
	}

	@ParameterizedTest(name = "mode={0}")
	@ValueSource(strings = { "single", "pooled" })
	void echoesPipelinedLinesOverTls(String mode) {
		try (RunningServer server = RunningServer.start(tls("echo.mode=" + mode));
				LogCapture log = LogCapture.start();
				TlsLineClient client = TlsLineClient.connect(server.tcpPort())) {
			StringBuilder lines = new StringBuilder();
			for (int i = 0; i < 2000; i++) {
				lines.append("line ").append(i).append("\r\n");
			}
			client.send(lines.toString());
			for (int i = 0; i < 2000; i++) {
				assertThat(client.readLine()).isEqualTo("server echo# line " + i);
			}
			JsonNode entry = AdminApi.connections(server).get(0);
			assertThat(entry.at("/listener").asText()).isEqualTo("tls");
			assertThat(entry.at("/tls/protocol").asText()).isEqualTo(client.session().getProtocol());
			assertThat(entry.at("/tls/cipherSuite").asText()).isEqualTo(client.session().getCipherSuite());
			assertThat(server.registry().tlsHandshakes(HandshakeResult.OK)).isEqualTo(1);
			log.assertNoErrorsOrStackTraces();
		}
	}

}
