package io.github.echoserver.testing;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API of a {@link RunningServer} (DESIGN.md §5) read as JSON, as the tests read it. */
public final class AdminApi {

	private static final JsonMapper JSON = JsonMapper.builder().build();

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
