package io.github.echoserver.connections;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * One live connection as the registry sees it: who it is, what it is doing and what it has
 * exchanged. The server updates the counters on the per-line path, so updating costs one atomic
 * add per counter and builds nothing.
 */
public final class TrackedConnection {

	private final String id;

	private final String remoteAddress;

	private final int remotePort;

	private final Instant openedAt;

	private final ConnectionHandle handle;

	private final ConnectionRegistry registry;

	private volatile ConnectionState state;

	private volatile long lastActivityMillis;

	/** When the write in progress began, or 0 when none is. */
	private volatile long writeStartedMillis;

	/** When the unfinished line now held began, or 0 when no line is unfinished. */
	private volatile long lineStartedMillis;

	private final Listener listener;

	/** When the TLS handshake in progress began, or 0 when none is (not started, or done). */
	private volatile long handshakeStartedMillis;

	private volatile @Nullable TlsDetails tls;

	/** Why it ends, once the pipeline knows: the registry counts its close under this reason. */
	private volatile @Nullable Ending ending;

	private final AtomicLong linesEchoed = new AtomicLong();

	private final AtomicLong bytesIn = new AtomicLong();

	private final AtomicLong bytesOut = new AtomicLong();

	TrackedConnection(String id, String remoteAddress, int remotePort, ConnectionState state, Listener listener,
			ConnectionHandle handle, ConnectionRegistry registry) {
		this.id = id;
		this.remoteAddress = remoteAddress;
		this.remotePort = remotePort;
		this.state = state;
		this.listener = listener;
		this.handle = handle;
		this.registry = registry;
		this.lastActivityMillis = System.currentTimeMillis();
		this.openedAt = Instant.ofEpochMilli(this.lastActivityMillis);
	}

	/** {@code n} bytes arrived from the client. */
	public void received(int n) {
		this.bytesIn.addAndGet(n);
		this.registry.bytesReceived(n);
		this.lastActivityMillis = System.currentTimeMillis();
	}

	/**
	 * After a read: whether an unfinished line is held, and whether it is a new one (the read
	 * completed at least one line, or none was held before).
	 */
	public void unfinishedLine(boolean held, boolean newLine) {
		if (!held) {
			this.lineStartedMillis = 0;
		}
		else if (newLine || this.lineStartedMillis == 0) {
			this.lineStartedMillis = this.lastActivityMillis;
		}
	}

	/** A write to the client begins; it may block while the client does not read. */
	public void writing() {
		this.writeStartedMillis = System.currentTimeMillis();
	}

	/** The write has returned. */
	public void written() {
		this.writeStartedMillis = 0;
	}

	/**
	 * A TLS handshake begins: {@code echo.ssl.handshake-timeout} runs from now.
	 */
	public void handshaking() {
		this.handshakeStartedMillis = System.currentTimeMillis();
	}

	/**
	 * The handshake has completed.
	 * @param details what it settled, for the admin API
	 */
	public void handshaken(TlsDetails details) {
		this.tls = details;
		this.handshakeStartedMillis = 0;
		this.registry.tlsHandshake(HandshakeResult.OK);
	}

	/** One echo reply of {@code n} bytes was written. */
	public void echoed(int n) {
		this.linesEchoed.incrementAndGet();
		this.bytesOut.addAndGet(n);
		this.registry.lineEchoed(n);
	}

	/** A server line of {@code n} bytes was written. */
	public void sent(int n) {
		this.bytesOut.addAndGet(n);
		this.registry.bytesSent(n);
	}

	/**
	 * The connection ends for this reason (the first ending; the close follows): its close is
	 * counted under it in {@code echo.connections.closed{reason}}.
	 * @param ending why
	 */
	public void ending(Ending ending) {
		this.ending = ending;
	}

	@Nullable Ending getEnding() {
		return this.ending;
	}

	void setState(ConnectionState state) {
		this.state = state;
	}

	public String getId() {
		return this.id;
	}

	public String getRemoteAddress() {
		return this.remoteAddress;
	}

	public int getRemotePort() {
		return this.remotePort;
	}

	public ConnectionState getState() {
		return this.state;
	}

	public Instant getOpenedAt() {
		return this.openedAt;
	}

	public Instant getLastActivityAt() {
		return Instant.ofEpochMilli(this.lastActivityMillis);
	}

	long getLastActivityMillis() {
		return this.lastActivityMillis;
	}

	/** Whether a reply is waiting for the client to read (the write timeout is running). */
	public boolean isWriteBlocked() {
		return this.writeStartedMillis > 0;
	}

	long getWriteStartedMillis() {
		return this.writeStartedMillis;
	}

	long getLineStartedMillis() {
		return this.lineStartedMillis;
	}

	long getHandshakeStartedMillis() {
		return this.handshakeStartedMillis;
	}

	/** The listener that accepted the connection. */
	public Listener getListener() {
		return this.listener;
	}

	/** What the TLS handshake settled, or {@code null} in clear text or before it completed. */
	public @Nullable TlsDetails getTls() {
		return this.tls;
	}

	public long getLinesEchoed() {
		return this.linesEchoed.get();
	}

	public long getBytesIn() {
		return this.bytesIn.get();
	}

	public long getBytesOut() {
		return this.bytesOut.get();
	}

	public ConnectionHandle getHandle() {
		return this.handle;
	}

	@Override
	public String toString() {
		return this.id;
	}

}
