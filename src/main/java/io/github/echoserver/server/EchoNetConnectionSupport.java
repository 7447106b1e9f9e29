package io.github.echoserver.server;

import java.net.Socket;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.pipeline.PipelineFactory;
import io.github.echoserver.tls.ServerTls;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;

/**
 * Spring Integration's hook for creating blocking connections, called on the accepting thread
 * for every new socket: it builds an {@link EchoNetConnection} and admits it as waiting for a
 * worker, or refuses it as the pipeline's admission says (a denied address, the per-client or
 * the overall connection limit), before anything is read from it or written to it. With TLS,
 * admission comes before any TLS byte: a refused connection is closed without a handshake (and
 * without a busy line, which would be clear text to a TLS client), and an admitted one is
 * handshaken by its worker, never on this thread.
 */
final class EchoNetConnectionSupport implements TcpNetConnectionSupport {

	private final PipelineFactory pipelines;

	/** TLS for every connection of this listener, or null for clear text. */
	private final @Nullable ServerTls tls;

	EchoNetConnectionSupport(PipelineFactory pipelines, @Nullable ServerTls tls) {
		this.pipelines = pipelines;
		this.tls = tls;
	}

	@Override
	public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
			@Nullable ApplicationEventPublisher publisher, @Nullable String factoryName) {
		EchoNetConnection connection = new EchoNetConnection(socket, publisher, factoryName, this.pipelines,
				this.tls);
		Ending refusal = connection.pipeline()
			.admit(socket.getInetAddress(), connection.getPort(), ConnectionState.WAITING, connection);
		if (refusal != null) {
			connection.endBeforeServing(refusal);
		}
		return connection;
	}

}
