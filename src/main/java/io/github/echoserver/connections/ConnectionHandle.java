package io.github.echoserver.connections;

/**
 * What the registry, the timeouts, the admin API and the drain may ask of a live connection.
 * Implemented by the server's transports; every method is safe to call from any thread and
 * returns without waiting for a slow client.
 */
public interface ConnectionHandle {

	/**
	 * End the connection: its line, log and counter come from {@code ending}.
	 * @param ending why it ends
	 */
	void end(Ending ending);

	/**
	 * Stop reading new lines, answer the lines that have already arrived, then end with
	 * {@link Ending#SHUTTING_DOWN}. The connection leaves the registry when it has closed.
	 */
	void drain();

}
