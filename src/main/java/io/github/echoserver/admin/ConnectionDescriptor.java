package io.github.echoserver.admin;

import java.time.Instant;

import io.github.echoserver.connections.TrackedConnection;

/**
 * One entry of {@code GET /actuator/echo/connections}.
 *
 * @param id the connection id, for {@code DELETE /actuator/echo/connections/{id}}
 * @param remoteAddress the client's IP address
 * @param remotePort the client's port
 * @param state {@code serving} or {@code waiting}
 * @param openedAt when the connection was accepted
 * @param lastActivityAt when bytes last arrived from the client
 * @param linesEchoed replies written
 * @param bytesIn bytes received
 * @param bytesOut bytes sent
 */
public record ConnectionDescriptor(String id, String remoteAddress, int remotePort, String state, Instant openedAt,
		Instant lastActivityAt, long linesEchoed, long bytesIn, long bytesOut) {

	static ConnectionDescriptor of(TrackedConnection connection) {
		return new ConnectionDescriptor(connection.getId(), connection.getRemoteAddress(), connection.getRemotePort(),
				connection.getState().value(), connection.getOpenedAt(), connection.getLastActivityAt(),
				connection.getLinesEchoed(), connection.getBytesIn(), connection.getBytesOut());
	}

}
