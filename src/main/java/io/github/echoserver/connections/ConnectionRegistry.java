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
 * <p>
 * With {@code echo.max-connections-per-client} it also counts the open connections of each
 * client address: {@link #admitClient} takes one of the address's places before {@link #admit},
 * and the place is given back when the connection leaves (closed, or refused after all). An
 * address has an entry only while it has a connection open, so the counts take no more memory
 * than the connections themselves.
 */
public class ConnectionRegistry {

	private static final Log logger = LogFactory.getLog(ConnectionRegistry.class);

	private final int limit;

	private final int perClientLimit;

	private final Map<String, TrackedConnection> connections = new ConcurrentHashMap<>();

	private final Object admissionLock = new Object();

	/** Open connections per client address; only with a per-client limit. */
	private final Map<String, Integer> perClient = new ConcurrentHashMap<>();

	private final AtomicInteger waiting = new AtomicInteger();

	private final LongAdder accepted = new LongAdder();

	/** Closes by why: every close is in exactly one of these, so their sum is {@link #closed()}. */
	private final Map<Ending, LongAdder> closedBy = counters(Ending.class);

	private final Map<RejectionReason, LongAdder> rejected = counters(RejectionReason.class);

	private final Map<Listener, LongAdder> acceptedOn = counters(Listener.class);

	private final Map<HandshakeResult, LongAdder> handshakes = counters(HandshakeResult.class);

	private final LongAdder linesTooLong = new LongAdder();

	private final LongAdder internalErrors = new LongAdder();

	private final LongAdder writeTimeouts = new LongAdder();

	private final LongAdder acceptFailures = new LongAdder();

	private final LongAdder linesEchoed = new LongAdder();

	private final LongAdder linesDropped = new LongAdder();

	private final LongAdder bytesReceived = new LongAdder();

	private final LongAdder bytesSent = new LongAdder();

	/**
	 * A registry without a per-client limit.
	 * @param limit {@code echo.max-connections}
	 */
	public ConnectionRegistry(int limit) {
		this(limit, 0);
	}

	/**
	 * @param limit {@code echo.max-connections}
	 * @param perClientLimit {@code echo.max-connections-per-client}, 0 for none
	 */
	public ConnectionRegistry(int limit, int perClientLimit) {
		this.limit = limit;
		this.perClientLimit = perClientLimit;
	}

	/** A counter for each value of {@code type}, there from the start, so that counting never adds one. */
	private static <E extends Enum<E>> Map<E, LongAdder> counters(Class<E> type) {
		Map<E, LongAdder> counters = new EnumMap<>(type);
		for (E value : type.getEnumConstants()) {
			counters.put(value, new LongAdder());
		}
		return counters;
	}

	/**
	 * Take one of the places of {@code clientAddress} under {@code echo.max-connections-per-client}
	 * for a new connection, unless they are all taken (then the caller refuses it). Atomic per
	 * address, so that two accepting threads (two listeners) cannot both take the last place. The
	 * connection gives the place back when it leaves the registry; one that {@link #admit} then
	 * refuses never enters it and gives it back with {@link #releaseClient}.
	 * @param clientAddress the address the connection comes from, as {@link #admit} gets it
	 * @return whether a place was free (always, without a per-client limit)
	 */
	public boolean admitClient(String clientAddress) {
		if (this.perClientLimit <= 0) {
			return true;
		}
		boolean[] taken = new boolean[1];
		this.perClient.compute(clientAddress, (address, open) -> {
			int count = (open != null) ? open : 0;
			if (count >= this.perClientLimit) {
				return open;
			}
			taken[0] = true;
			return count + 1;
		});
		return taken[0];
	}

	/**
	 * Give back a place taken by {@link #admitClient}; the address's entry goes with its last one.
	 * @param clientAddress the address the place was taken for
	 */
	public void releaseClient(String clientAddress) {
		if (this.perClientLimit > 0) {
			this.perClient.computeIfPresent(clientAddress, (address, open) -> (open > 1) ? open - 1 : null);
		}
	}

	/**
	 * Open connections from {@code clientAddress} as counted for the per-client limit (0 without one).
	 * @param clientAddress the address
	 * @return how many
	 */
	public int openFrom(String clientAddress) {
		return this.perClient.getOrDefault(clientAddress, 0);
	}

	/** Addresses with a connection open, as counted for the per-client limit (none without one). */
	public int clientAddresses() {
		return this.perClient.size();
	}

	/**
	 * Take on a newly accepted connection, unless {@code echo.max-connections} are open already.
	 * Called by the accepting threads (one per listener); the check and the insert are one step.
	 * @param id the Spring Integration connection id
	 * @param remoteAddress the client's IP address
	 * @param remotePort the client's port
	 * @param state where it starts: waiting for a worker, or served at once
	 * @param listener the listener that accepted it (clear text or TLS)
	 * @param handle how to close or drain it later
	 * @return the tracked connection, or {@code null} when it must be refused (already counted)
	 */
	public @Nullable TrackedConnection admit(String id, String remoteAddress, int remotePort, ConnectionState state,
			Listener listener, ConnectionHandle handle) {
		TrackedConnection connection = new TrackedConnection(id, remoteAddress, remotePort, state, listener, handle,
				this);
		// Two listeners (clear text and TLS) accept on two threads: the check and the insert go
		// together, so that the limit holds exactly. Uncontended with one listener; closes, which
		// only make room, take no lock.
		synchronized (this.admissionLock) {
			if (this.connections.size() >= this.limit) {
				reject(RejectionReason.TOO_MANY_CONNECTIONS);
				return null;
			}
			if (state == ConnectionState.WAITING) {
				this.waiting.incrementAndGet();
			}
			this.connections.put(id, connection);
		}
		this.accepted.increment();
		this.acceptedOn.get(listener).increment();
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
			releaseClient(connection.getRemoteAddress());
			this.accepted.decrement();
		}
		reject(reason);
	}

	/** A connection was refused (with {@code server busy#}, or unanswered when its address is denied). */
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
			releaseClient(connection.getRemoteAddress());
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
		return sum(this.closedBy);
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
		return sum(this.rejected);
	}

	private static long sum(Map<?, LongAdder> counters) {
		long sum = 0;
		for (LongAdder counter : counters.values()) {
			sum += counter.sum();
		}
		return sum;
	}

	/** {@code echo.max-connections}. */
	public int limit() {
		return this.limit;
	}

	/** {@code echo.max-connections-per-client}, 0 for none. */
	public int perClientLimit() {
		return this.perClientLimit;
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
