package io.github.echoserver.admin.security;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.FailureReport;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.SupervisorProcess;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.ClassPathResource;

import static io.github.echoserver.testing.AdminApi.basic;
import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves the admin API's protection over real HTTP against whole applications: open on
 * loopback without credentials, no start off loopback without them, and with them HTTP Basic on
 * everything but health, the probes and the Prometheus scrape, a {@code {bcrypt}} password as
 * {@code htpasswd} writes it, refusals counted and logged without the password; in a supervisor
 * too.
 */
@ExtendWith(OutputCaptureExtension.class)
class AdminApiProtectionTests {

	static final String USER = "operator";

	static final String PASSWORD = "echo-admin-secret";

	/** Made with {@code htpasswd -bnBC 10 "" echo-admin-secret | tr -d ':\n'}: its {@code $2y$} form. */
	static final String BCRYPT_PASSWORD = "{bcrypt}$2y$10$vti.dMH/ehwQg8Vq5Fb2feMJBMDx6BArJNmjRbOuR21RH5sbUzGi2";

	static final String[] WITH_CREDENTIALS = { "spring.security.user.name=" + USER,
			"spring.security.user.password=" + BCRYPT_PASSWORD };

	private static final String GENERATED_PASSWORD_LINE = "Using generated security password";

	private static final Duration SETTLE = Duration.ofSeconds(10);

	@Test
	void anyAddressWithoutCredentialsStopsStartupWithOneLine(CapturedOutput output) {
		Throwable failure = RunningServer.failToStart("server.address=0.0.0.0");

		assertThat(failure).hasRootCauseInstanceOf(AdminCredentialsMissingException.class);
		assertThat(FailureReport.lastIn(output).description()).isEqualTo("The admin API listens on 0.0.0.0 "
				+ "(server.address) without credentials: set spring.security.user.name and "
				+ "spring.security.user.password (a {bcrypt} hash works), or bind it to 127.0.0.1");
		assertThat(output).doesNotContain("\tat org.springframework").doesNotContain(GENERATED_PASSWORD_LINE);
	}

	@Test
	void anEmptyPasswordIsNoCredentials(CapturedOutput output) {
		RunningServer.failToStart("server.address=0.0.0.0", "spring.security.user.name=" + USER,
				"spring.security.user.password=");

		assertThat(FailureReport.lastIn(output).description())
			.startsWith("The admin API listens on 0.0.0.0 (server.address) without credentials");
	}

	@Test
	void actuatorOnAPortOfItsOwnOffLoopbackNeedsCredentialsToo(CapturedOutput output) {
		RunningServer.failToStart("management.server.port=0", "management.server.address=0.0.0.0");

		assertThat(FailureReport.lastIn(output).description())
			.startsWith("The admin API listens on 0.0.0.0 (management.server.address) without credentials");
	}

	@Test
	void loopbackWithoutCredentialsIsOpenAsBefore(CapturedOutput output) {
		try (RunningServer server = RunningServer.start()) {
			assertThat(server.get("/actuator/echo").statusCode()).isEqualTo(200);
			assertThat(server.get("/actuator/metrics").statusCode()).isEqualTo(200);
			assertThat(server.delete("/actuator/echo/connections/"
					+ URLEncoder.encode("127.0.0.1:1:2:no-such-connection", StandardCharsets.UTF_8))
				.statusCode()).as("a write operation reaches the endpoint").isEqualTo(404);
		}
		assertThat(output).doesNotContain(GENERATED_PASSWORD_LINE);
	}

	@Test
	void credentialsConfiguredOnLoopbackApplyThereToo() {
		try (RunningServer server = RunningServer.start(WITH_CREDENTIALS)) {
			assertThat(server.get("/actuator/echo").statusCode()).isEqualTo(401);
			assertThat(server.send("GET", "/actuator/echo", basic(USER, PASSWORD)).statusCode()).isEqualTo(200);
		}
	}

	/** One server on every interface with credentials, called over loopback. */
	@Nested
	@TestInstance(Lifecycle.PER_CLASS)
	class AnyAddressWithCredentials {

		private RunningServer server;

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start("server.address=0.0.0.0", WITH_CREDENTIALS[0], WITH_CREDENTIALS[1]);
		}

		@AfterAll
		void stopServer() {
			this.server.close();
		}

		@Test
		void everyEndpointButHealthAndPrometheusNeedsTheCredentials() {
			for (String path : List.of("/actuator", "/actuator/echo", "/actuator/echo/connections", "/actuator/metrics",
					"/actuator/info")) {
				HttpResponse<String> none = this.server.get(path);
				assertThat(none.statusCode()).as("GET %s without credentials", path).isEqualTo(401);
				assertThat(none.headers().firstValue("WWW-Authenticate")).as("GET %s", path)
					.hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Basic realm="));
				assertThat(this.server.send("GET", path, basic(USER, "not-" + PASSWORD)).statusCode())
					.as("GET %s with a wrong password", path)
					.isEqualTo(401);
				assertThat(this.server.send("GET", path, basic("someone-else", PASSWORD)).statusCode())
					.as("GET %s as an unknown user", path)
					.isEqualTo(401);
				HttpResponse<String> allowed = this.server.send("GET", path, basic(USER, PASSWORD));
				assertThat(allowed.statusCode()).as("GET %s with the credentials", path).isEqualTo(200);
				assertThat(allowed.headers().firstValue("Set-Cookie")).as("GET %s opens no session", path).isEmpty();
			}
		}

		@Test
		void healthItsProbesAndPrometheusAreOpenToEveryone() {
			for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
					"/actuator/prometheus")) {
				assertThat(this.server.get(path).statusCode()).as("GET %s without credentials", path).isEqualTo(200);
			}
		}

		@Test
		void closingAConnectionNeedsTheCredentials() {
			try (EchoClient client = this.server.connect()) {
				client.sendLine("hello");
				assertThat(client.readLine()).isEqualTo("server echo# hello");
				String id = await().atMost(SETTLE).until(() -> idOf(client), (found) -> found != null);
				String path = "/actuator/echo/connections/" + URLEncoder.encode(id, StandardCharsets.UTF_8);

				assertThat(this.server.delete(path).statusCode()).as("DELETE without credentials").isEqualTo(401);
				assertThat(this.server.send("DELETE", path, basic(USER, "not-" + PASSWORD)).statusCode())
					.as("DELETE with a wrong password")
					.isEqualTo(401);
				client.sendLine("still here");
				assertThat(client.readLine()).isEqualTo("server echo# still here");

				assertThat(this.server.send("DELETE", path, basic(USER, PASSWORD)).statusCode()).isEqualTo(204);
				assertThat(text(client.readToEnd())).isEqualTo("server bye# closed by administrator\r\n");
			}
		}

		@Test
		void refusalsAreCountedAndLoggedWithTheClientAndUserButNotThePassword(CapturedOutput output) {
			String wrongPassword = "wrong-" + System.nanoTime();
			double badBefore = refusals("bad-credentials");
			double noneBefore = refusals("no-credentials");
			AtomicInteger sent = new AtomicInteger();
			try (LogCapture log = LogCapture.start()) {
				// Another test's refusal may have had this address's line within the last second:
				// refused again until a line comes (the interval is over within a second).
				await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> {
					assertThat(this.server.send("GET", "/actuator/echo", basic(USER, wrongPassword)).statusCode())
						.isEqualTo(401);
					sent.incrementAndGet();
					return !refusalLines(log).isEmpty();
				});
				assertThat(this.server.get("/actuator/echo").statusCode()).isEqualTo(401);

				assertThat(refusalLines(log)).first()
					.satisfies((event) -> assertThat(event.getLevel()).isEqualTo(Level.WARN))
					.extracting(ILoggingEvent::getFormattedMessage)
					.asString()
					.startsWith("Admin API request refused from 127.0.0.1, user '" + USER + "': bad credentials "
							+ "(GET /actuator/echo)");
				assertThat(log.events()).extracting(ILoggingEvent::getFormattedMessage)
					.noneMatch((message) -> message.contains(wrongPassword) || message.contains(PASSWORD));
			}
			assertThat(refusals("bad-credentials") - badBefore).isEqualTo(sent.get());
			assertThat(refusals("no-credentials") - noneBefore).isEqualTo(1);
			assertThat(output).doesNotContain(wrongPassword).doesNotContain(PASSWORD);
		}

		private List<ILoggingEvent> refusalLines(LogCapture log) {
			return log.events()
				.stream()
				.filter((event) -> event.getLoggerName().equals(AdminAuthenticationFailures.class.getName()))
				.toList();
		}

		private double refusals(String reason) {
			HttpResponse<String> scrape = this.server.get("/actuator/prometheus");
			assertThat(scrape.statusCode()).isEqualTo(200);
			Double count = AdminApi.sample(scrape.body(), "echo_admin_auth_failures_total",
					"reason=\"" + reason + "\"");
			assertThat(count).as("echo_admin_auth_failures_total{reason=%s} in the scrape", reason).isNotNull();
			return count;
		}

		private @Nullable String idOf(EchoClient client) {
			JsonNode connections = AdminApi.json(this.server.send("GET", "/actuator/echo/connections", basic(USER, PASSWORD)));
			JsonNode entry = AdminApi.findEntry(connections, client);
			return (entry != null) ? entry.at("/id").asString() : null;
		}

	}

	@Test
	void theAdminPortServesTlsFromAnSslBundle() throws Exception {
		try (RunningServer server = RunningServer.start("server.ssl.bundle=admin",
				"spring.ssl.bundle.pem.admin.keystore.certificate=classpath:tls/server.pem",
				"spring.ssl.bundle.pem.admin.keystore.private-key=classpath:tls/server.key", WITH_CREDENTIALS[0],
				WITH_CREDENTIALS[1])) {
			HttpClient https = HttpClient.newBuilder()
				.sslContext(trusting("tls/ca.pem"))
				.connectTimeout(Duration.ofSeconds(5))
				.build();
			URI echo = URI.create("https://127.0.0.1:" + server.httpPort() + "/actuator/echo");
			HttpResponse<String> response = https.send(HttpRequest.newBuilder(echo)
				.header(basic(USER, PASSWORD)[0], basic(USER, PASSWORD)[1])
				.timeout(SETTLE)
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.sslSession()).hasValueSatisfying((session) -> assertThat(session.getProtocol())
				.startsWith("TLSv1."));
			assertThat(https.send(HttpRequest.newBuilder(echo).timeout(SETTLE).build(),
					HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
		}
	}

	/** A TLS context that trusts the certificates signed by the CA in {@code resource}. */
	private static SSLContext trusting(String resource) throws Exception {
		KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
		trusted.load(null, null);
		try (InputStream pem = new ClassPathResource(resource).getInputStream()) {
			trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
		}
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return context;
	}

	/** The supervisor of two workers serves the admin API under the same rule; its workers have none. */
	@Test
	void aSupervisorWithCredentialsAsksForThemOnItsAdminPort() {
		try (SupervisorProcess supervisor = SupervisorProcess
			.start(2, "echo.standby-process=false", "server.address=0.0.0.0", WITH_CREDENTIALS[0], WITH_CREDENTIALS[1])
			.awaitListening(Duration.ofSeconds(180))) {
			assertThat(supervisor.get("/actuator/echo").statusCode()).isEqualTo(401);
			assertThat(supervisor.send("GET", "/actuator/echo", basic(USER, "not-" + PASSWORD)).statusCode())
				.isEqualTo(401);
			JsonNode echo = AdminApi.json(supervisor.send("GET", "/actuator/echo", basic(USER, PASSWORD)));
			assertThat(echo.path("processes")).as("both workers answer the supervisor").hasSize(2)
				.allSatisfy((worker) -> assertThat(worker.path("pid").isNumber()).isTrue());
			assertThat(supervisor.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
			assertThat(AdminApi.sample(supervisor.prometheus(), "echo_admin_auth_failures_total",
					"reason=\"bad-credentials\"")).isEqualTo(1.0);
			assertThat(supervisor.output()).doesNotContain(GENERATED_PASSWORD_LINE).doesNotContain(PASSWORD);
		}
	}

}
