package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send and never read, by the hundred, on non-blocking channels driven from the
 * test's thread (no thread per client): each with a small receive buffer, so that the server's
 * replies soon fill it and the server is left holding replies it cannot write. Reading comes only
 * at the end, to see that the server has ended every one of them.
 */
public final class NonReadingClients implements AutoCloseable {

	/** {@code SO_RCVBUF} of each client, set before the connect so that the window offered is that small. */
	public static final int RECEIVE_BUFFER = 4096;

	private final List<SocketChannel> channels = new ArrayList<>();

	private NonReadingClients() {
	}

	/**
	 * Connect {@code count} clients to 127.0.0.1:{@code port}, one after the other.
	 * @param port the server's port
	 * @param count how many
	 * @return the clients, connected and silent
	 */
	public static NonReadingClients connect(int port, int count) {
		NonReadingClients clients = new NonReadingClients();
		try {
			for (int i = 0; i < count; i++) {
				SocketChannel channel = SocketChannel.open();
				clients.channels.add(channel);
				channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
				channel.connect(new InetSocketAddress("127.0.0.1", port));
				channel.configureBlocking(false);
			}
		}
		catch (IOException ex) {
			clients.close();
			throw new UncheckedIOException(ex);
		}
		return clients;
	}

	/** How many clients there are. */
	public int count() {
		return this.channels.size();
	}

	/** The local (client-side) ports, the {@code remotePort}s of the server's connections. */
	public List<Integer> localPorts() {
		return this.channels.stream().map((channel) -> channel.socket().getLocalPort()).toList();
	}

	/**
	 * Send {@code bytes} from every client, as far as the sockets take them: the server reads
	 * them while it can still write its replies, and then stops reading, so what it has not read
	 * by then waits in the sockets.
	 * @param bytes what each client sends
	 * @param timeout how long the sockets may take to accept it all
	 */
	public void send(byte[] bytes, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try (Selector selector = Selector.open()) {
			for (SocketChannel channel : this.channels) {
				channel.register(selector, SelectionKey.OP_WRITE, ByteBuffer.wrap(bytes));
			}
			int sending = this.channels.size();
			while (sending > 0) {
				long left = deadline - System.nanoTime();
				assertThat(left).as("every client sent its %d bytes within %s (%d still sending)", bytes.length,
						timeout, sending)
					.isPositive();
				selector.select(Math.max(1, left / 1_000_000));
				for (SelectionKey key : selector.selectedKeys()) {
					ByteBuffer rest = (ByteBuffer) key.attachment();
					((SocketChannel) key.channel()).write(rest);
					if (!rest.hasRemaining()) {
						key.cancel();
						sending--;
					}
				}
				selector.selectedKeys().clear();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Read, and drop, what the server sent each client until it ends it (end of stream or reset),
	 * for at most {@code timeout}.
	 * @return how many clients the server has ended
	 */
	public int awaitEndedByServer(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		int ended = 0;
		ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
		try (Selector selector = Selector.open()) {
			for (SocketChannel channel : this.channels) {
				channel.register(selector, SelectionKey.OP_READ);
			}
			long left;
			while (ended < this.channels.size() && (left = deadline - System.nanoTime()) > 0) {
				selector.select(Math.max(1, left / 1_000_000));
				for (SelectionKey key : selector.selectedKeys()) {
					if (endOfStream((SocketChannel) key.channel(), sink)) {
						key.cancel();
						ended++;
					}
				}
				selector.selectedKeys().clear();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return ended;
	}

	/** Read what is there; true at the end of the stream or on a reset. */
	private static boolean endOfStream(SocketChannel channel, ByteBuffer sink) {
		try {
			int n;
			do {
				sink.clear();
				n = channel.read(sink);
			}
			while (n > 0);
			return n < 0;
		}
		catch (IOException ex) {
			return true; // reset: the server closed with bytes of ours unread
		}
	}

	@Override
	public void close() {
		for (SocketChannel channel : this.channels) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// closing a test client: nothing to do
			}
		}
	}

}
