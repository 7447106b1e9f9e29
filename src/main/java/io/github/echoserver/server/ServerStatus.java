package io.github.echoserver.server;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.EchoProperties;

import org.springframework.context.event.EventListener;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerExceptionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;

/**
 * Whether the TCP listener is up, on which port (the real one when 0 was asked for) and since
 * when; what the health indicator and the admin API report. Logs the one startup line that
 * says how the server runs.
 */
public class ServerStatus {

	private static final Log logger = LogFactory.getLog(ServerStatus.class);

	private final EchoProperties properties;

	private final AbstractServerConnectionFactory factory;

	private final AcceptFailures acceptFailures;

	private volatile String name;

	private final CompletableFuture<Integer> listening = new CompletableFuture<>();

	private volatile @Nullable Instant since;

	/**
	 * @param properties the server's properties
	 * @param factory its connection factory
	 * @param name what the startup line calls this process: {@code Echo server}, or
	 * {@code Worker 2} in the multi-process model
	 * @param acceptFailures what the accept loop has met
	 */
	public ServerStatus(EchoProperties properties, AbstractServerConnectionFactory factory, String name,
			AcceptFailures acceptFailures) {
		this.properties = properties;
		this.factory = factory;
		this.acceptFailures = acceptFailures;
		this.name = name;
	}

	@EventListener
	void onListening(TcpConnectionServerListeningEvent event) {
		this.since = Instant.now();
		logger.info(this.name + " listening on " + this.properties.address() + ":" + event.getPort() + " (mode="
				+ this.properties.mode().value() + ", io=" + this.properties.io().value() + ", framing="
				+ this.properties.framing().value() + ")");
		this.listening.complete(event.getPort());
		DescriptorLimit.check(this.properties.maxConnections());
	}

	@EventListener
	void onListenerFailure(TcpConnectionServerExceptionEvent event) {
		this.listening.completeExceptionally(event.getCause());
	}

	/**
	 * Wait until the listener is bound.
	 * @param timeoutMillis how long to wait
	 * @return the port
	 * @throws ListenerStartException when binding failed or took too long
	 */
	int awaitListening(long timeoutMillis) {
		try {
			return this.listening.get(timeoutMillis, TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw new ListenerStartException(this.properties.address(), this.properties.port(), ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new ListenerStartException(this.properties.address(), this.properties.port(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ListenerStartException(this.properties.address(), this.properties.port(), ex);
		}
	}

	/**
	 * Rename this process for its startup line: a standby worker learns which worker it is when
	 * it is told to listen.
	 * @param name e.g. {@code Worker 2}
	 */
	public void rename(String name) {
		this.name = name;
	}

	/** Whether the listener accepts connections now. */
	public boolean isListening() {
		return this.factory.isListening();
	}

	/**
	 * Why the listener cannot accept connections now although it listens (e.g.
	 * {@code cannot accept: Too many open files}), or {@code null} while it can.
	 */
	public @Nullable String getAcceptFailure() {
		return this.acceptFailures.reason();
	}

	/** The bind address from {@code echo.address}. */
	public String getAddress() {
		return this.properties.address();
	}

	/** The port bound, or the configured one before binding. */
	public int getPort() {
		return this.factory.getPort();
	}

	/** The port bound while the listener accepts connections, else 0. */
	int getListeningPort() {
		return isListening() ? getPort() : 0;
	}

	/** When the listener came up, or {@code null} before. */
	public @Nullable Instant getSince() {
		return this.since;
	}

	public EchoProperties getProperties() {
		return this.properties;
	}

}
