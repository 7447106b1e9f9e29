package io.github.echoserver.server;

/**
 * A server connection factory that can stop accepting while its open connections carry on,
 * which the drain needs and Spring Integration's {@code stop()} (close everything at once) is not.
 */
interface AcceptControl {

	/** Close the listening socket: new clients are refused by the kernel; open ones are unaffected. */
	void stopAccepting();

}
