package io.github.echoserver.admin;

import java.util.Comparator;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.server.ConnectionModel;
import io.github.echoserver.server.ServerStatus;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code echo} Actuator endpoint (DESIGN.md §5): the server's state, its open connections,
 * and closing one of them. It only adapts the registry and the model into descriptors.
 */
@Endpoint(id = "echo")
public class EchoEndpoint {

	static final String CONNECTIONS = "connections";

	private final ServerStatus status;

	private final ConnectionRegistry registry;

	private final ConnectionModel model;

	public EchoEndpoint(ServerStatus status, ConnectionRegistry registry, ConnectionModel model) {
		this.status = status;
		this.registry = registry;
		this.model = model;
	}

	/** {@code GET /actuator/echo}. */
	@ReadOperation
	public EchoDescriptor echo() {
		return EchoDescriptor.of(this.status, this.registry, this.model.state());
	}

	/** {@code GET /actuator/echo/connections}, oldest first; any other name answers 404. */
	@ReadOperation
	public @Nullable List<ConnectionDescriptor> collection(@Selector String name) {
		if (!CONNECTIONS.equals(name)) {
			return null;
		}
		return this.registry.connections()
			.stream()
			.sorted(Comparator.comparing(TrackedConnection::getOpenedAt))
			.map(ConnectionDescriptor::of)
			.toList();
	}

	/**
	 * {@code DELETE /actuator/echo/connections/{id}}: the client gets
	 * {@code server bye# closed by administrator} and is disconnected; 204, or 404 for an
	 * unknown id.
	 */
	@DeleteOperation
	public WebEndpointResponse<Void> close(@Selector String name, @Selector String id) {
		TrackedConnection connection = CONNECTIONS.equals(name) ? this.registry.find(id) : null;
		if (connection == null) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		connection.getHandle().end(Ending.CLOSED_BY_ADMINISTRATOR);
		return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NO_CONTENT);
	}

}
