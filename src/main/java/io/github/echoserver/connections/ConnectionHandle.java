package io.github.echoserver.connections;

/**
 * What the registry, the admin API and the drain may ask of a live connection. Implemented by
 * the server's connection classes; every method is safe to call from any thread.
 */
public interface ConnectionHandle {

	/**
	 * Write one server line, then close, whatever the connection is doing.
	 * @param serverLine a line from {@link io.github.echoserver.protocol.ServerMessages}
	 */
	void closeWith(byte[] serverLine);

	/**
	 * Stop reading, let the lines already read get their replies, then write {@code serverLine}
	 * and close. Returns at once; the connection leaves the registry when it has closed.
	 * @param serverLine the bye line to end with
	 */
	void drain(byte[] serverLine);

	/** Close at once, without a word: for connections that did not finish draining in time. */
	void close();

}
