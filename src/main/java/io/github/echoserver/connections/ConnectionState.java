package io.github.echoserver.connections;

/**
 * What a live connection is doing, as the admin API reports it.
 */
public enum ConnectionState {

	/** Accepted, but no worker has started reading it yet (blocking single and pooled models). */
	WAITING,

	/** A worker, a thread of its own or the event loop is reading it. */
	SERVING;

	/** The lower-case name used in JSON. */
	public String value() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
