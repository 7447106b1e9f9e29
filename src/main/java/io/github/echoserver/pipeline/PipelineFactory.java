package io.github.echoserver.pipeline;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.protocol.Framing;

/**
 * Builds the {@link ConnectionPipeline} of each new connection from the settings every
 * connection shares ({@code echo.framing}, {@code echo.max-line-length},
 * {@code echo.lines-per-connection}), the {@link Admission} and the registry.
 */
public final class PipelineFactory {

	private final Admission admission;

	private final Framing framing;

	private final int maxLineLength;

	private final int linesPerConnection;

	private final Listener listener;

	/**
	 * @param admission who is served: the access list and the connection limits
	 * @param framing {@code echo.framing}
	 * @param maxLineLength {@code echo.max-line-length}
	 * @param linesPerConnection {@code echo.lines-per-connection}, 0 for no limit
	 */
	public PipelineFactory(Admission admission, Framing framing, int maxLineLength, int linesPerConnection) {
		this(admission, framing, maxLineLength, linesPerConnection, Listener.PLAIN);
	}

	private PipelineFactory(Admission admission, Framing framing, int maxLineLength, int linesPerConnection,
			Listener listener) {
		this.admission = admission;
		this.framing = framing;
		this.maxLineLength = maxLineLength;
		this.linesPerConnection = linesPerConnection;
		this.listener = listener;
	}

	/**
	 * The same pipelines for the connections of another listener.
	 * @param listener which listener accepts them (the admin API and the metrics tell them apart)
	 * @return a factory for that listener
	 */
	public PipelineFactory forListener(Listener listener) {
		return new PipelineFactory(this.admission, this.framing, this.maxLineLength, this.linesPerConnection,
				listener);
	}

	/**
	 * Pipelines admitted by {@code echo.max-connections} only, into {@code registry}.
	 * @param registry the live connections
	 * @param framing {@code echo.framing}
	 * @param maxLineLength {@code echo.max-line-length}
	 * @param linesPerConnection {@code echo.lines-per-connection}, 0 for no limit
	 */
	public PipelineFactory(ConnectionRegistry registry, Framing framing, int maxLineLength, int linesPerConnection) {
		this(Admission.unrestricted(registry), framing, maxLineLength, linesPerConnection);
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
				this.framing == Framing.LINE, this.maxLineLength, this.linesPerConnection, this.admission, sink,
				this.listener);
	}

}
