package io.github.echoserver.server;

import java.util.concurrent.CountDownLatch;

/**
 * Holds the listener back before it binds, until released. Open from the start in every
 * process but the standby worker of the multi-process model: that one starts everything, the
 * connection factory included (Spring Integration's outbound adapter starts it with the
 * context), and its listener thread waits here, so it binds the port only when it takes a dead
 * worker's place.
 */
public final class ListenerGate {

	private final CountDownLatch released;

	private final boolean openFromTheStart;

	private ListenerGate(boolean open) {
		this.released = new CountDownLatch(open ? 0 : 1);
		this.openFromTheStart = open;
	}

	/** A gate that never holds the listener. */
	public static ListenerGate open() {
		return new ListenerGate(true);
	}

	/** A gate that holds the listener until {@link #release()}. */
	public static ListenerGate closed() {
		return new ListenerGate(false);
	}

	/** Whether the listener starts with the context; else it waits to be told (the standby). */
	boolean openFromTheStart() {
		return this.openFromTheStart;
	}

	/** Let the listener bind. */
	void release() {
		this.released.countDown();
	}

	/** Called on the listener thread before it binds. */
	void awaitRelease() throws InterruptedException {
		this.released.await();
	}

}
