package io.github.echoserver.admin;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.HandshakeResult;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.server.ListenQueue;
import io.github.echoserver.server.PoolState;
import io.github.echoserver.server.ServerStatus;
import io.github.echoserver.tls.ServerTls;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * {@code GET /actuator/echo}: the server at one instant (the README's Admin API section).
 *
 * @param mode the concurrency model
 * @param io the I/O flavour
 * @param framing the framing
 * @param linesPerConnection {@code echo.lines-per-connection}: lines a connection is answered
 * before the server closes it; 0 = until the client leaves
 * @param listening the TCP listener on {@code echo.port}
 * @param tls TLS, when {@code echo.ssl.bundle} is set; absent in clear text
 * @param connections connection counts
 * @param pool the workers
 * @param traffic totals since start
 * @param processes the worker processes when {@code echo.processes > 1} (every other figure is
 * then their sum); absent in a single process
 */
public record EchoDescriptor(String mode, String io, String framing, int linesPerConnection, Listening listening,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Tls tls, Connections connections, PoolState pool,
		Traffic traffic,
		@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<ProcessDescriptor> processes)
		implements OperationResponseBody {

	static EchoDescriptor of(ServerStatus status, ConnectionRegistry registry, PoolState pool, ListenQueue listenQueue) {
		var properties = status.getProperties();
		ListenQueue.Length queue = listenQueue.length();
		return new EchoDescriptor(properties.mode().value(), properties.io().value(),
				properties.framing().value(), properties.linesPerConnection(),
				new Listening(status.getAddress(), status.getPort(), status.getSince(),
						(queue != null) ? queue.current() : null, (queue != null) ? queue.max() : null),
				Tls.of(status, registry),
				new Connections(registry.active(), registry.waiting(), registry.accepted(), registry.closed(),
						registry.rejected(), registry.limit()),
				pool, new Traffic(registry.linesEchoed(), registry.bytesReceived(), registry.bytesSent(),
						registry.linesDropped()),
				null);
	}

	/**
	 * @param address the bind address
	 * @param port the bound port
	 * @param since when the listener came up; null while it is not up
	 * @param acceptQueue connections the kernel has queued for the listener and the server has not
	 * accepted yet; null where the platform does not tell it (only Linux does) or the listener is
	 * not up
	 * @param acceptQueueMax how many that queue holds before the kernel drops connections
	 * ({@code echo.backlog} capped by {@code net.core.somaxconn}); null likewise
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record Listening(String address, int port, @Nullable Instant since, @Nullable Integer acceptQueue,
			@Nullable Integer acceptQueueMax) {

		/** A listener whose accept queue is unknown. */
		public Listening(String address, int port, @Nullable Instant since) {
			this(address, port, since, null, null);
		}

	}

	/**
	 * @param bundle {@code echo.ssl.bundle}
	 * @param port the port that serves TLS: {@code echo.ssl.port}, or {@code echo.port} when it
	 * serves TLS only
	 * @param only whether {@code echo.port} serves TLS only (no clear-text listener)
	 * @param clientAuth {@code none}, {@code want} or {@code need}
	 * @param certificateSerial the serial number (hex) of the certificate new connections get;
	 * changes when the bundle reloads
	 * @param active open TLS connections
	 * @param accepted TLS connections taken on since start
	 * @param handshakes TLS handshakes since start, by how they ended
	 */
	public record Tls(String bundle, int port, boolean only, String clientAuth, @Nullable String certificateSerial,
			int active, long accepted, Handshakes handshakes) {

		static @Nullable Tls of(ServerStatus status, ConnectionRegistry registry) {
			ServerTls tls = status.getTls();
			Integer port = status.getTlsPort();
			if (tls == null || port == null) {
				return null;
			}
			return new Tls(tls.bundleName(), port, status.isTlsOnly(), tls.clientAuth().value(),
					tls.certificateSerial(), registry.active(Listener.TLS), registry.accepted(Listener.TLS),
					new Handshakes(registry.tlsHandshakes(HandshakeResult.OK),
							registry.tlsHandshakes(HandshakeResult.FAILED),
							registry.tlsHandshakes(HandshakeResult.TIMEOUT)));
		}

	}

	/**
	 * @param ok completed
	 * @param failed failed: not TLS, a broken handshake, a refused client certificate
	 * @param timeout not completed within {@code echo.ssl.handshake-timeout}
	 */
	public record Handshakes(long ok, long failed, long timeout) {

		/** The count of one result, e.g. for its {@code echo.tls.handshakes} meter. */
		public long of(HandshakeResult result) {
			return switch (result) {
				case OK -> this.ok;
				case FAILED -> this.failed;
				case TIMEOUT -> this.timeout;
			};
		}

	}

	/**
	 * @param active open connections, waiting ones included
	 * @param waiting open connections no worker has started to read
	 * @param accepted connections taken on since start ({@code active + closed})
	 * @param closed connections closed since start
	 * @param rejected connections refused since start: with {@code server busy#}, or denied by {@code echo.access}
	 * @param limit {@code echo.max-connections}
	 */
	public record Connections(int active, int waiting, long accepted, long closed, long rejected, int limit) {
	}

	/**
	 * @param linesEchoed replies written
	 * @param bytesIn bytes received from clients
	 * @param bytesOut bytes sent to clients, server lines included
	 * @param linesDropped lines read after the last one {@code echo.lines-per-connection} allows,
	 * not answered
	 */
	public record Traffic(long linesEchoed, long bytesIn, long bytesOut, long linesDropped) {
	}

}
