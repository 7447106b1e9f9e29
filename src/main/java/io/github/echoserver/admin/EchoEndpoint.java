package io.github.echoserver.admin;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code echo} Actuator endpoint (the README's Admin API section): the server's state, its open
 * connections, and closing one of them. It only maps HTTP onto an {@link EchoView}: this process's own,
 * or the supervisor's sum of its workers.
 */
@Endpoint(id = "echo")
public class EchoEndpoint {

	static final String CONNECTIONS = "connections";

	private final EchoView view;

	public EchoEndpoint(EchoView view) {
		this.view = view;
	}

	/** {@code GET /actuator/echo}. */
	@ReadOperation
	public EchoDescriptor echo() {
		return this.view.describe();
	}

	/** {@code GET /actuator/echo/connections}, oldest first; any other name answers 404. */
	@ReadOperation
	public @Nullable List<ConnectionDescriptor> collection(@Selector String name) {
		return CONNECTIONS.equals(name) ? this.view.connections() : null;
	}

	/**
	 * {@code DELETE /actuator/echo/connections/{id}}: the client gets
	 * {@code server bye# closed by administrator} and is disconnected; 204, or 404 for an
	 * unknown id.
	 */
	@DeleteOperation
	public WebEndpointResponse<Void> close(@Selector String name, @Selector String id) {
		if (!CONNECTIONS.equals(name) || !this.view.close(id)) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NO_CONTENT);
	}

}
