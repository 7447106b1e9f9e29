package io.github.echoserver.testing;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.github.echoserver.EchoServerApplication;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.server.ServerStatus;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The whole application started for a test with some properties, on free ports (TCP and HTTP
 * both on loopback), closed by {@link #close()}: the same shutdown path as SIGTERM.
 */
public final class RunningServer implements AutoCloseable {

	private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

	private final ConfigurableApplicationContext context;

	private RunningServer(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Start the application.
	 * @param properties {@code name=value} pairs, e.g. {@code echo.mode=single}
	 * @return the running server
	 */
	public static RunningServer start(String... properties) {
		return startWith(new Class<?>[0], properties);
	}

	/**
	 * Start the application with extra configuration classes, for test-only beans such as an
	 * injected fault.
	 * @param extraConfiguration configuration classes added to the application's own
	 * @param properties {@code name=value} pairs
	 * @return the running server
	 */
	public static RunningServer startWith(Class<?>[] extraConfiguration, String... properties) {
		Class<?>[] sources = new Class<?>[extraConfiguration.length + 1];
		sources[0] = EchoServerApplication.class;
		System.arraycopy(extraConfiguration, 0, sources, 1, extraConfiguration.length);
		return new RunningServer(
				new SpringApplicationBuilder(sources).run(arguments(properties).toArray(String[]::new)));
	}

	/**
	 * Start the application as {@link #start(String...)} does, with properties that must stop it.
	 * @param properties {@code name=value} pairs
	 * @return what its start threw
	 * @throws AssertionError when it started
	 */
	public static Throwable failToStart(String... properties) {
		List<String> args = arguments(properties);
		Throwable failure = catchThrowable(
				() -> new SpringApplicationBuilder(EchoServerApplication.class).run(args.toArray(String[]::new)).close());
		assertThat(failure).as("startup with %s", args).isNotNull();
		return failure;
	}

	/**
	 * The application's arguments for a test, in this JVM or in a child one: each property as
	 * {@code --name=value}, then free ports on loopback, unless the test says otherwise.
	 * @param properties {@code name=value} pairs; {@code echo.port}, {@code echo.address} and
	 * {@code server.port} given here replace the defaults (0, 127.0.0.1 and 0)
	 * @return the arguments
	 */
	public static List<String> arguments(String... properties) {
		List<String> args = new ArrayList<>();
		for (String property : properties) {
			args.add("--" + property);
		}
		for (String fallback : List.of("echo.port=0", "echo.address=127.0.0.1", "server.port=0")) {
			String name = fallback.substring(0, fallback.indexOf('=') + 1);
			if (args.stream().noneMatch((arg) -> arg.startsWith("--" + name))) {
				args.add("--" + fallback);
			}
		}
		return args;
	}

	public int tcpPort() {
		return this.context.getBean(ServerStatus.class).getPort();
	}

	/** The port that serves TLS: {@code echo.ssl.port} as bound, or {@code echo.port} when it serves TLS only. */
	public int tlsPort() {
		Integer port = this.context.getBean(ServerStatus.class).getTlsPort();
		if (port == null) {
			throw new IllegalStateException("The server has no TLS (echo.ssl.bundle is not set)");
		}
		return port;
	}

	public int httpPort() {
		return ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	public EchoClient connect() {
		return EchoClient.connect(tcpPort());
	}

	public ConnectionRegistry registry() {
		return this.context.getBean(ConnectionRegistry.class);
	}

	/** What the registry says this client's connection is doing; empty once the server has let go of it. */
	public Optional<ConnectionState> stateOf(EchoClient client) {
		return connectionFrom(client.localPort()).map(TrackedConnection::getState);
	}

	/** The registry's entry for the connection from local port {@code clientPort}; empty once the server has let go of it. */
	public Optional<TrackedConnection> connectionFrom(int clientPort) {
		return registry().connections()
			.stream()
			.filter((connection) -> connection.getRemotePort() == clientPort)
			.findFirst();
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	/** {@code GET} on the admin API, e.g. {@code get("/actuator/echo")}. */
	public HttpResponse<String> get(String path) {
		return AdminApi.send(HttpRequest.newBuilder(uri(path)).GET(), HTTP_TIMEOUT);
	}

	/** {@code DELETE} on the admin API. */
	public HttpResponse<String> delete(String path) {
		return AdminApi.send(HttpRequest.newBuilder(uri(path)).DELETE(), HTTP_TIMEOUT);
	}

	/**
	 * Any request on the admin API, whatever its status.
	 * @param method e.g. {@code DELETE}
	 * @param path e.g. {@code /actuator/echo}
	 * @param headers name and value pairs, e.g. {@link AdminApi#basic(String, String)}
	 */
	public HttpResponse<String> send(String method, String path, String... headers) {
		return AdminApi.send(AdminApi.request(uri(path), method, headers), HTTP_TIMEOUT);
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + httpPort() + path);
	}

	@Override
	public void close() {
		this.context.close();
	}

}
