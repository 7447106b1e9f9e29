package io.github.echoserver.pipeline;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.protocol.Framing;

/**
 * Builds the {@link ConnectionPipeline} of each new connection from the settings every
 * connection shares ({@code echo.framing}, {@code echo.max-line-length},
 * {@code echo.lines-per-connection}) and the registry.
 */
public final class PipelineFactory {

	private final ConnectionRegistry registry;

	private final Framing framing;

	private final int maxLineLength;

	private final int linesPerConnection;

	public PipelineFactory(ConnectionRegistry registry, Framing framing, int maxLineLength, int linesPerConnection) {
		this.registry = registry;
		this.framing = framing;
		this.maxLineLength = maxLineLength;
		this.linesPerConnection = linesPerConnection;
	}

	/**
	 * A pipeline for one connection.
	 * @param connectionId the Spring Integration connection id, which its messages carry
	 * @param peer the client's address and port, for log lines
	 * @param sink the transport's write side
	 * @return a new pipeline, not yet admitted
	 */
	public ConnectionPipeline create(String connectionId, String peer, ReplySink sink) {
		// Telnet's interrupt only means something to line framing; raw framing passes every byte.
		return new ConnectionPipeline(connectionId, peer, Preamble.NONE, this.framing.newDecoder(this.maxLineLength),
				this.framing == Framing.LINE, this.maxLineLength, this.linesPerConnection, this.registry, sink);
	}

}
