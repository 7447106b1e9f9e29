package io.github.echoserver.connections;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.event.EventListener;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionExceptionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionOpenEvent;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

/**
 * The live connections and the totals over all connections since start.
 * <p>
 * The server admits each accepted connection here (which enforces {@code echo.max-connections})
 * and Spring Integration's connection events move it on: the open event means a worker has
 * started reading it, the close event removes it. Invariant: {@code accepted = active + closed}.
 */
public class ConnectionRegistry {

	private static final Log logger = LogFactory.getLog(ConnectionRegistry.class);

	private final int limit;

	private final Map<String, TrackedConnection> connections = new ConcurrentHashMap<>();

	private final AtomicInteger waiting = new AtomicInteger();

	private final LongAdder accepted = new LongAdder();

	private final LongAdder closed = new LongAdder();

	/** {@link #closed} split by why: every close is in exactly one of these. */
	private final Map<Ending, LongAdder> closedBy = new EnumMap<>(Ending.class);

	private final Map<RejectionReason, LongAdder> rejected = new EnumMap<>(RejectionReason.class);

	private final Map<Listener, LongAdder> acceptedOn = new EnumMap<>(Listener.class);

	private final Map<HandshakeResult, LongAdder> handshakes = new EnumMap<>(HandshakeResult.class);

	private final LongAdder linesTooLong = new LongAdder();

	private final LongAdder internalErrors = new LongAdder();

	private final LongAdder writeTimeouts = new LongAdder();

	private final LongAdder acceptFailures = new LongAdder();

	private final LongAdder linesEchoed = new LongAdder();

	private final LongAdder linesDropped = new LongAdder();

	private final LongAdder bytesReceived = new LongAdder();

	private final LongAdder bytesSent = new LongAdder();

	public ConnectionRegistry(int limit) {
		this.limit = limit;
		for (RejectionReason reason : RejectionReason.values()) {
			this.rejected.put(reason, new LongAdder());
		}
		for (Listener listener : Listener.values()) {
			this.acceptedOn.put(listener, new LongAdder());
		}
		for (HandshakeResult result : HandshakeResult.values()) {
			this.handshakes.put(result, new LongAdder());
		}
		for (Ending ending : Ending.values()) {
			this.closedBy.put(ending, new LongAdder());
		}
	}

	/**
	 * Take on a newly accepted connection, unless {@code echo.max-connections} are open already.
	 * Called by the one accepting thread, so the check and the insert cannot race each other.
	 * @param id the Spring Integration connection id
	 * @param remoteAddress the client's IP address
	 * @param remotePort the client's port
	 * @param state where it starts: waiting for a worker, or served at once
	 * @param handle how to close or drain it later
	 * @return the tracked connection, or {@code null} when it must be refused (already counted)
	 */
	public @Nullable TrackedConnection admit(String id, String remoteAddress, int remotePort, ConnectionState state,
			ConnectionHandle handle) {
		if (this.connections.size() >= this.limit) {
			reject(RejectionReason.TOO_MANY_CONNECTIONS);
			return null;
		}
		TrackedConnection connection = new TrackedConnection(id, remoteAddress, remotePort, state, handle, this);
		if (state == ConnectionState.WAITING) {
			this.waiting.incrementAndGet();
		}
		this.connections.put(id, connection);
		this.accepted.increment();
		return connection;
	}

	/**
	 * A connection taken on by {@link #admit} is refused after all (no worker and no queue slot
	 * for it): it leaves the registry counted as rejected, neither accepted nor closed.
	 * @param id the connection id
	 * @param reason why
	 */
	public void refuse(String id, RejectionReason reason) {
		TrackedConnection connection = this.connections.remove(id);
		if (connection != null) {
			if (connection.getState() == ConnectionState.WAITING) {
				this.waiting.decrementAndGet();
			}
			this.accepted.decrement();
		}
		reject(reason);
	}

	/** A connection was refused with {@code server busy#}. */
	public void reject(RejectionReason reason) {
		this.rejected.get(reason).increment();
	}

	@EventListener
	void onOpen(TcpConnectionOpenEvent event) {
		TrackedConnection connection = this.connections.get(event.getConnectionId());
		if (connection != null && connection.getState() == ConnectionState.WAITING) {
			connection.setState(ConnectionState.SERVING);
			this.waiting.decrementAndGet();
		}
	}

	@EventListener
	void onClose(TcpConnectionCloseEvent event) {
		TrackedConnection connection = this.connections.remove(event.getConnectionId());
		if (connection != null) {
			if (connection.getState() == ConnectionState.WAITING) {
				this.waiting.decrementAndGet();
			}
			this.closed.increment();
			// A socket closed under its pipeline without an ending (the factory's own stop) was
			// lost to it.
			Ending ending = connection.getEnding();
			this.closedBy.get((ending != null) ? ending : Ending.CONNECTION_LOST).increment();
		}
	}

	@EventListener
	void onException(TcpConnectionExceptionEvent event) {
		// A client leaving between lines is published as an exception; it is the normal end.
		if (!(event.getCause() instanceof SoftEndOfStreamException) && logger.isDebugEnabled()) {
			logger.debug("Connection " + event.getConnectionId() + ": " + event.getCause());
		}
	}

	/** A client sent a line over {@code echo.max-line-length} and was closed. */
	public void lineTooLong() {
		this.linesTooLong.increment();
	}

	/** Serving a connection failed inside the server; that connection was closed. */
	public void internalError() {
		this.internalErrors.increment();
	}

	/** A client stopped reading its replies for {@code echo.write-timeout} and was closed. */
	public void writeTimedOut() {
		this.writeTimeouts.increment();
	}

	/**
	 * An admitted connection came through this listener (clear text or TLS).
	 * @param connection the connection just admitted
	 * @param listener its listener
	 */
	public void acceptedOn(TrackedConnection connection, Listener listener) {
		connection.setListener(listener);
		this.acceptedOn.get(listener).increment();
	}

	/** Connections taken on through this listener since start. */
	public long accepted(Listener listener) {
		return this.acceptedOn.get(listener).sum();
	}

	/** Open connections of this listener; counted when asked (a scrape, the admin API), not kept. */
	public int active(Listener listener) {
		int n = 0;
		for (TrackedConnection connection : this.connections.values()) {
			if (connection.getListener() == listener) {
				n++;
			}
		}
		return n;
	}

	/** A TLS handshake ended so. */
	public void tlsHandshake(HandshakeResult result) {
		this.handshakes.get(result).increment();
	}

	/** TLS handshakes that ended so, since start. */
	public long tlsHandshakes(HandshakeResult result) {
		return this.handshakes.get(result).sum();
	}

	/**
	 * Lines read after the last one {@code echo.lines-per-connection} allows were not answered:
	 * the connection closed after that one's reply.
	 * @param n how many
	 */
	public void linesDropped(int n) {
		this.linesDropped.add(n);
	}

	/** Accepting a connection failed while the listener was open; no connection was taken on. */
	public void acceptFailed() {
		this.acceptFailures.increment();
	}

	void lineEchoed(int replyBytes) {
		this.linesEchoed.increment();
		this.bytesSent.add(replyBytes);
	}

	void bytesReceived(int n) {
		this.bytesReceived.add(n);
	}

	void bytesSent(int n) {
		this.bytesSent.add(n);
	}

	/** The live connection with this id, or {@code null}. */
	public @Nullable TrackedConnection find(String id) {
		return this.connections.get(id);
	}

	/** A weakly consistent view of the live connections. */
	public Collection<TrackedConnection> connections() {
		return this.connections.values();
	}

	/** Open connections, waiting ones included. */
	public int active() {
		return this.connections.size();
	}

	/** Open connections that no worker has started to read. */
	public int waiting() {
		return this.waiting.get();
	}

	public long accepted() {
		return this.accepted.sum();
	}

	public long closed() {
		return this.closed.sum();
	}

	/**
	 * Connections closed since start for this reason; a refusal is counted as rejected instead,
	 * so its rows stay 0.
	 * @param ending the reason
	 * @return how many
	 */
	public long closed(Ending ending) {
		return this.closedBy.get(ending).sum();
	}

	public long rejected(RejectionReason reason) {
		return this.rejected.get(reason).sum();
	}

	/** Refusals for every reason together. */
	public long rejected() {
		return this.rejected.values().stream().mapToLong(LongAdder::sum).sum();
	}

	/** {@code echo.max-connections}. */
	public int limit() {
		return this.limit;
	}

	public long linesTooLong() {
		return this.linesTooLong.sum();
	}

	public long internalErrors() {
		return this.internalErrors.sum();
	}

	public long writeTimeouts() {
		return this.writeTimeouts.sum();
	}

	public long acceptFailures() {
		return this.acceptFailures.sum();
	}

	public long linesEchoed() {
		return this.linesEchoed.sum();
	}

	/** Lines read and not answered because {@code echo.lines-per-connection} had been reached. */
	public long linesDropped() {
		return this.linesDropped.sum();
	}

	public long bytesReceived() {
		return this.bytesReceived.sum();
	}

	public long bytesSent() {
		return this.bytesSent.sum();
	}

}
