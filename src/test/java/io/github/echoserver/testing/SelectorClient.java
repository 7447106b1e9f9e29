package io.github.echoserver.testing;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client of {@link SelectorClients}: what it has sent, what came back, and how it ended.
 * Written by the clients' loop only; volatile so that a test can read a client as it stands.
 */
class SelectorClient {

	final int id;

	final SocketChannel channel;

	/** Its port, the {@code remotePort} of its connection in the admin API. */
	final int localPort;

	/** Its key on the clients' selector, set when it is registered. */
	SelectionKey key;

	/** Lines written completely. */
	volatile int sent;

	/** The line being written, if the socket took only part of it. */
	volatile ByteBuffer out;

	/** Replies received, each the echo of line {@code replies} - 1. */
	volatile int replies;

	volatile long bytesSent;

	volatile long bytesReceived;

	final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

	/** The server has closed: nothing more to send, what it sent is still to be read. */
	volatile boolean outputBroken;

	/** How the server ended it ({@code eof} or {@code reset}), or null while it is open. */
	volatile String end;

	/** The first reply that was not the one owed, or null. */
	volatile String mismatch;

	/** The bytes of an unfinished line it had when it was ended, or null. */
	volatile String partial;

	SelectorClient(int id, SocketChannel channel) {
		this.id = id;
		this.channel = channel;
		this.localPort = channel.socket().getLocalPort();
	}

	/** Line {@code i} of this client: numbered, so that a reply shows which line it answers. */
	String line(int i) {
		return "client " + this.id + " line " + i;
	}

	/** Keep the first: what follows a wrong reply is usually wrong because of it. */
	void mismatch(String what) {
		if (this.mismatch == null) {
			this.mismatch = what;
		}
	}

}
