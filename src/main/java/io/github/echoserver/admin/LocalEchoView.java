package io.github.echoserver.admin;

import java.util.Comparator;
import java.util.List;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.TrackedConnection;
import io.github.echoserver.server.ConnectionModel;
import io.github.echoserver.server.ListenQueue;
import io.github.echoserver.server.ServerStatus;

/** The view of a process that serves: its registry and its concurrency model, adapted into descriptors. */
public class LocalEchoView implements EchoView {

	private final ServerStatus status;

	private final ConnectionRegistry registry;

	private final ConnectionModel model;

	private final ListenQueue listenQueue;

	public LocalEchoView(ServerStatus status, ConnectionRegistry registry, ConnectionModel model,
			ListenQueue listenQueue) {
		this.status = status;
		this.registry = registry;
		this.model = model;
		this.listenQueue = listenQueue;
	}

	@Override
	public EchoDescriptor describe() {
		return EchoDescriptor.of(this.status, this.registry, this.model.state(), this.listenQueue);
	}

	@Override
	public List<ConnectionDescriptor> connections() {
		return this.registry.connections()
			.stream()
			.sorted(Comparator.comparing(TrackedConnection::getOpenedAt))
			.map(ConnectionDescriptor::of)
			.toList();
	}

	@Override
	public boolean close(String id) {
		TrackedConnection connection = this.registry.find(id);
		if (connection == null) {
			return false;
		}
		connection.getHandle().end(Ending.CLOSED_BY_ADMINISTRATOR);
		return true;
	}

}
