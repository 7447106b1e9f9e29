package io.github.echoserver.pipeline;

/**
 * The write side of a transport, as the {@link ConnectionPipeline} uses it. Replies to one read
 * are written and then flushed once, so pipelined lines cost one system call, not one each.
 */
public interface ReplySink {

	/**
	 * Queue bytes for the client, in order; nothing needs to reach the socket before {@link #flush()}.
	 * @param bytes the array; not kept after the call
	 * @param offset where the bytes start
	 * @param length how many there are
	 */
	void write(byte[] bytes, int offset, int length);

	/**
	 * Hand what was written to the socket. A transport that cannot write it all now keeps the
	 * rest, and stops reading from this client until it is written (back-pressure).
	 */
	void flush();

	/**
	 * Close the connection.
	 * @param afterPendingWrites whether bytes the socket has not taken yet are written first;
	 * otherwise they are dropped
	 */
	void close(boolean afterPendingWrites);

}
