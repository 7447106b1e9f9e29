package io.github.echoserver.server;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Back-pressure for NIO connections, run by the select loop: a connection whose socket would
 * not take all its replies keeps the rest ({@link EchoNioConnection#hasPendingOutput()}), and
 * until the client has read them the loop stops reading from it and waits for the socket to
 * become writable instead. No worker waits on a slow reader, and the bytes the server holds
 * for it are bounded by the replies of one read.
 * <p>
 * Spring Integration's select loop owns each key's interest: it clears {@code OP_READ} before
 * handing a readable socket to a worker and sets it again, from the worker, once the read is
 * done. A key whose interest is {@code 0} therefore has a read in flight or about to be
 * re-armed (which wakes the selector); only a key with {@code OP_READ} set can be switched to
 * {@code OP_WRITE} without racing that re-arm. All methods but {@link #blocked} run on the
 * select loop's thread.
 */
final class NioBackPressure {

	private final SelectLoop loop;

	/** Connections left with pending output whose key is not switched to OP_WRITE yet. */
	private final List<EchoNioConnection> awaitingRearm = new ArrayList<>();

	NioBackPressure(SelectLoop loop) {
		this.loop = loop;
	}

	/**
	 * Called by a connection whose socket did not take all of a write: the select loop will
	 * stop reading from it and write the rest when the socket becomes writable.
	 * @param connection the connection with pending output
	 */
	void blocked(EchoNioConnection connection) {
		this.loop.execute(() -> this.awaitingRearm.add(connection));
	}

	/**
	 * Before Spring Integration handles the selected keys: write pending output to sockets that
	 * became writable, and take out of the selection every connection with pending output, so
	 * that no read is dispatched for it.
	 * @param selector the factory's selector
	 * @param selectionCount the number of keys the last select returned
	 */
	void process(Selector selector, int selectionCount) {
		if (selectionCount > 0) {
			Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
			while (keys.hasNext()) {
				SelectionKey key = keys.next();
				if (key.attachment() instanceof EchoNioConnection connection && connection.hasPendingOutput()) {
					keys.remove();
					handle(key, connection);
				}
			}
		}
		if (!this.awaitingRearm.isEmpty()) {
			this.awaitingRearm.removeIf((waiting) -> waitForWritable(waiting, selector));
		}
	}

	private void handle(SelectionKey key, EchoNioConnection connection) {
		try {
			if (!key.isValid()) {
				return;
			}
			if (key.isWritable()) {
				if (connection.writePending()) {
					key.interestOps(SelectionKey.OP_READ);
				}
			}
			else {
				// Readable while replies wait: OP_READ is set, so no read is in flight.
				key.interestOps(SelectionKey.OP_WRITE);
			}
		}
		catch (CancelledKeyException ex) {
			// Closed meanwhile: nothing left to write or read.
		}
	}

	/** @return whether the connection is settled: waiting for OP_WRITE, or nothing to wait for */
	private boolean waitForWritable(EchoNioConnection connection, Selector selector) {
		SelectionKey key = connection.channel().keyFor(selector);
		if (key == null || !key.isValid() || !connection.hasPendingOutput()) {
			return true;
		}
		try {
			int interest = key.interestOps();
			if (interest == 0) {
				// A read in flight: its re-arm wakes the selector, and we look again then.
				return false;
			}
			key.interestOps(SelectionKey.OP_WRITE);
			return true;
		}
		catch (CancelledKeyException ex) {
			return true;
		}
	}

}
