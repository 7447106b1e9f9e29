package io.github.echoserver.pipeline;

import java.net.InetAddress;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.connections.TrackedConnection;

/**
 * Whether a new connection is served, decided in one place and in this order:
 * <ol>
 * <li>the {@link AccessList} ({@code echo.access.deny}, then {@code echo.access.allow}): refused
 * as {@link Ending#DENIED}, closed without a word;</li>
 * <li>{@code echo.max-connections-per-client}: refused as {@link Ending#PER_CLIENT_LIMIT};</li>
 * <li>{@code echo.max-connections}: refused as {@link Ending#TOO_MANY_CONNECTIONS}.</li>
 * </ol>
 * It judges the address that the connection's preamble settled: today the socket's peer (a
 * PROXY protocol header would name the real client instead). Each refusal is counted as
 * {@code echo.connections.rejected{reason}}; the first two are also logged through the
 * {@link RefusalLog}, rate limited (the third is the server's own limit, not the client's doing,
 * and is counted only, as before).
 * <p>
 * Called on the accepting thread of each listener; the registry keeps its counts safe for more
 * than one of them.
 */
public final class Admission {

	private static final Decision DENIED = new Decision(null, Ending.DENIED);

	private static final Decision PER_CLIENT = new Decision(null, Ending.PER_CLIENT_LIMIT);

	private static final Decision TOO_MANY = new Decision(null, Ending.TOO_MANY_CONNECTIONS);

	private final AccessList access;

	private final ConnectionRegistry registry;

	private final RefusalLog refusals;

	/**
	 * @param access who may connect
	 * @param registry the live connections, which holds both connection limits
	 * @param refusals where refusals by rule are logged
	 */
	public Admission(AccessList access, ConnectionRegistry registry, RefusalLog refusals) {
		this.access = access;
		this.registry = registry;
		this.refusals = refusals;
	}

	/** Only {@code echo.max-connections} (and the registry's per-client limit, if it has one). */
	static Admission unrestricted(ConnectionRegistry registry) {
		return new Admission(new AccessList(List.of(), List.of()), registry, new RefusalLog(false));
	}

	/** The registry it admits into. */
	ConnectionRegistry registry() {
		return this.registry;
	}

	/**
	 * Admit a new connection, or say which refusal ends it (already counted and logged).
	 * @param connectionId the Spring Integration connection id
	 * @param address the client's address, as the preamble settled it
	 * @param port the client's port
	 * @param state waiting for a worker, or served from the start
	 * @param listener the listener that accepted it
	 * @param handle how the registry, the timeouts and the drain reach the connection
	 * @return the tracked connection, or the ending that refuses it
	 */
	Decision admit(String connectionId, InetAddress address, int port, ConnectionState state, Listener listener,
			ConnectionHandle handle) {
		String rule = this.access.refusal(address);
		if (rule != null) {
			this.registry.reject(RejectionReason.DENIED);
			this.refusals.refused(rule, address.getHostAddress() + ":" + port);
			return DENIED;
		}
		String client = address.getHostAddress();
		if (!this.registry.admitClient(client)) {
			this.registry.reject(RejectionReason.PER_CLIENT);
			this.refusals.refused(
					"from " + client + " over echo.max-connections-per-client (" + this.registry.perClientLimit() + ")",
					client + ":" + port);
			return PER_CLIENT;
		}
		TrackedConnection admitted = this.registry.admit(connectionId, client, port, state, listener, handle);
		if (admitted == null) {
			this.registry.releaseClient(client);
			return TOO_MANY;
		}
		return new Decision(admitted, null);
	}

	/**
	 * What {@link #admit} decided.
	 * @param admitted the connection taken on, or null when refused
	 * @param refusal the ending that refuses it, or null when admitted
	 */
	record Decision(@Nullable TrackedConnection admitted, @Nullable Ending refusal) {

	}

}
