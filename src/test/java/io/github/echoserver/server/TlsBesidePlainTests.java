package io.github.echoserver.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.TlsClients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code echo.ssl.port}: TLS listens there while clear text stays on {@code echo.port}, both
 * served by the same model, registry and admin view, told apart by the admin API
 * ({@code listener}) and the metrics; and the settings that cannot work stop startup.
 */
class TlsBesidePlainTests {

	@Nested
	class PooledBlocking extends BothListeners {

		PooledBlocking() {
			super("echo.mode=pooled", "echo.io=blocking");
		}

	}

	@Nested
	class PooledNio extends BothListeners {

		PooledNio() {
			super("echo.mode=pooled", "echo.io=nio");
		}

	}

	@Test
	void aTlsPortWithoutABundleStopsStartupWithOneLine() {
		Throwable failure = RunningServer.failToStart("echo.ssl.port=0");
		assertThat(failure).hasStackTraceContaining("echo.ssl.port")
			.hasStackTraceContaining("unset without echo.ssl.bundle");
	}

	@Test
	void theTlsPortCannotBeTheClearTextPort() {
		Throwable failure = RunningServer.failToStart(TlsClients.serverProperties("echo.port=7443", "echo.ssl.port=7443"));
		assertThat(failure).hasStackTraceContaining("a port other than echo.port (7443)");
	}

	@Test
	void aBundleNobodyDefinedStopsStartupWithOneLine() {
		Throwable failure = RunningServer.failToStart("echo.ssl.bundle=missing");
		assertThat(failure).hasStackTraceContaining("echo.ssl.bundle")
			.hasStackTraceContaining("none is named so");
	}

	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class BothListeners {

		private final String[] model;

		private RunningServer server;

		BothListeners(String... model) {
			this.model = model;
		}

		@BeforeAll
		void start() {
			String[] properties = new String[this.model.length + 1];
			System.arraycopy(this.model, 0, properties, 0, this.model.length);
			properties[this.model.length] = "echo.ssl.port=0";
			this.server = RunningServer.start(TlsClients.serverProperties(properties));
		}

		@AfterAll
		void stop() {
			this.server.close();
		}

		@Test
		void clearTextAndTlsAreServedSideBySideAndToldApart() {
			assertThat(this.server.tlsPort()).isNotEqualTo(this.server.tcpPort());
			try (EchoClient plain = this.server.connect(); EchoClient tls = TlsClients.connect(this.server.tlsPort())) {
				assertThat(plain.sendLine("in the clear").readLine()).isEqualTo("server echo# in the clear");
				assertThat(tls.sendLine("under TLS").readLine()).isEqualTo("server echo# under TLS");

				JsonNode connections = AdminApi.connections(this.server);
				assertThat(AdminApi.entryOf(connections, plain).at("/listener").asString()).isEqualTo("plain");
				assertThat(AdminApi.entryOf(connections, plain).has("tls")).isFalse();
				JsonNode secured = AdminApi.entryOf(connections, tls);
				assertThat(secured.at("/listener").asString()).isEqualTo("tls");
				assertThat(secured.at("/tls/protocol").asString()).isEqualTo(TlsClients.session(tls).getProtocol());
				assertThat(secured.at("/tls/cipherSuite").asString())
					.isEqualTo(TlsClients.session(tls).getCipherSuite());

				JsonNode echo = AdminApi.echo(this.server);
				assertThat(echo.at("/listening/port").asInt()).isEqualTo(this.server.tcpPort());
				assertThat(echo.at("/tls/port").asInt()).isEqualTo(this.server.tlsPort());
				assertThat(echo.at("/tls/bundle").asString()).isEqualTo("test");
				assertThat(echo.at("/tls/only").asBoolean()).isFalse();
				assertThat(echo.at("/tls/active").asInt()).isEqualTo(1);
				assertThat(echo.at("/connections/active").asInt()).isEqualTo(2);

				String scrape = this.server.get("/actuator/prometheus").body();
				assertThat(AdminApi.sample(scrape, "echo_listener_connections", "listener=\"tls\"")).isEqualTo(1.0);
				assertThat(AdminApi.sample(scrape, "echo_listener_connections", "listener=\"plain\"")).isEqualTo(1.0);
			}
			await().untilAsserted(() -> assertThat(this.server.registry().active()).isZero());
		}

		@Test
		void bothListenersCountInTheOneRegistry() {
			long acceptedBefore = this.server.registry().accepted();
			try (EchoClient plain = this.server.connect(); EchoClient tls = TlsClients.connect(this.server.tlsPort())) {
				plain.sendLine("a").readLine();
				tls.sendLine("b").readLine();
				assertThat(this.server.registry().accepted() - acceptedBefore).isEqualTo(2);
			}
		}

	}

}
