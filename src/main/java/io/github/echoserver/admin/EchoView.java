package io.github.echoserver.admin;

import java.util.List;

/**
 * The server as the {@code echo} endpoint shows it: this process's own connections
 * ({@link LocalEchoView}), or every worker's, summed by the supervisor of the multi-process model.
 */
public interface EchoView {

	/** {@code GET /actuator/echo}: the server at this instant. */
	EchoDescriptor describe();

	/** {@code GET /actuator/echo/connections}: every open connection, oldest first. */
	List<ConnectionDescriptor> connections();

	/**
	 * Close a connection as an administrator: the client gets
	 * {@code server bye# closed by administrator}.
	 * @param id the connection's id
	 * @return whether a connection with that id was open
	 */
	boolean close(String id);

}
