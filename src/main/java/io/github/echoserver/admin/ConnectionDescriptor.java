package io.github.echoserver.admin;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.TlsDetails;
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
 * @param listener {@code plain} or {@code tls}: the listener that accepted it
 * @param tls the TLS protocol, cipher suite and client certificate subject; absent in clear text
 * and until the handshake has completed
 * @param process the worker process that serves it when {@code echo.processes > 1}; absent in a
 * single process
 */
public record ConnectionDescriptor(String id, String remoteAddress, int remotePort, String state, Instant openedAt,
		Instant lastActivityAt, long linesEchoed, long bytesIn, long bytesOut, String listener,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable TlsDetails tls,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer process) {

	static ConnectionDescriptor of(TrackedConnection connection) {
		return new ConnectionDescriptor(connection.getId(), connection.getRemoteAddress(), connection.getRemotePort(),
				connection.getState().value(), connection.getOpenedAt(), connection.getLastActivityAt(),
				connection.getLinesEchoed(), connection.getBytesIn(), connection.getBytesOut(),
				connection.getListener().value(), connection.getTls(), null);
	}

	/** This entry as one of worker {@code index}'s, in the supervisor's list. */
	public ConnectionDescriptor inProcess(int index) {
		return new ConnectionDescriptor(this.id, this.remoteAddress, this.remotePort, this.state, this.openedAt,
				this.lastActivityAt, this.linesEchoed, this.bytesIn, this.bytesOut, this.listener, this.tls, index);
	}

}
