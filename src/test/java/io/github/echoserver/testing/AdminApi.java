package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API (the README's Admin API section) of a {@link RunningServer} or a {@link
 * SupervisorProcess}: called, and read as JSON, as the tests read it.
 */
public final class AdminApi {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private AdminApi() {
	}

	/** {@code GET /actuator/echo}, which must answer 200. */
	public static JsonNode echo(RunningServer server) {
		return json(server.get("/actuator/echo"));
	}

	/** {@code GET /actuator/echo/connections}, which must answer 200: one entry per open connection. */
	public static JsonNode connections(RunningServer server) {
		return json(server.get("/actuator/echo/connections"));
	}

	/** The header of HTTP Basic credentials, as name and value for {@code send(..., headers)}. */
	public static String[] basic(String user, String password) {
		String credentials = user + ":" + password;
		return new String[] { "Authorization",
				"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)) };
	}

	/** A request without a body: {@code method} on {@code uri} with {@code headers} (name and value pairs). */
	static HttpRequest.Builder request(URI uri, String method, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
		return (headers.length > 0) ? request.headers(headers) : request;
	}

	/**
	 * Send {@code request}, waiting at most {@code timeout} for its response: the one HTTP
	 * client of the tests, for a server in this JVM or in a child one.
	 */
	static HttpResponse<String> send(HttpRequest.Builder request, Duration timeout) {
		try {
			return HTTP.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The body of a response that must be 200, as JSON. */
	public static JsonNode json(HttpResponse<String> response) {
		assertThat(response.statusCode()).as("%s answered %s", response.request().uri(), response.body())
			.isEqualTo(200);
		return parse(response.body());
	}

	/** A JSON body, whatever the status that came with it. */
	public static JsonNode parse(String body) {
		return JSON.readTree(body);
	}

	/** The entry of {@code client}'s connection in a connections document; fails the test if there is none. */
	public static JsonNode entryOf(JsonNode connections, EchoClient client) {
		JsonNode entry = findEntry(connections, client);
		if (entry == null) {
			throw new AssertionError("No connection with remotePort " + client.localPort() + " in " + connections);
		}
		return entry;
	}

	/** The entry of {@code client}'s connection in a connections document, or null if there is none. */
	public static @Nullable JsonNode findEntry(JsonNode connections, EchoClient client) {
		for (JsonNode entry : connections) {
			if (entry.at("/remotePort").asInt() == client.localPort()) {
				return entry;
			}
		}
		return null;
	}

	/**
	 * The value of the first sample of {@code metric} in a Prometheus scrape whose labels contain
	 * {@code label}, or {@code null} when there is none.
	 */
	public static @Nullable Double sample(String scrape, String metric, String label) {
		Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(?:\\{([^}]*)\\})? (\\S+)").matcher(scrape);
		while (matcher.find()) {
			String labels = (matcher.group(1) != null) ? matcher.group(1) : "";
			if (labels.contains(label)) {
				return Double.valueOf(matcher.group(2));
			}
		}
		return null;
	}

}
