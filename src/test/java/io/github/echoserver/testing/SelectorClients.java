package io.github.echoserver.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

import static io.github.echoserver.testing.Bytes.text;

/**
 * Clients that each keep a number of numbered lines in flight, on one selector in a thread of
 * their own, checking each reply against the line it answers, in order; a client the server ends
 * (end of stream or reset) stops there and records how. The mechanics that
 * {@link PipeliningClients} and {@link EchoingClients} share, so that both check the server the
 * same way; each says when its clients start new lines, what it makes of a line that is not an
 * echo, and when it is done.
 * @param <C> the clients, with what the subclass keeps of each
 */
abstract class SelectorClients<C extends SelectorClient> implements AutoCloseable {

	private final int pipeline;

	private final Selector selector;

	private final List<C> clients = new ArrayList<>();

	private final Thread loop;

	private volatile boolean stop;

	private volatile boolean completed;

	private volatile int ended;

	private volatile Throwable failure;

	/**
	 * Connect the clients; {@link #start()} starts them.
	 * @param port the server's port on 127.0.0.1
	 * @param clients how many clients
	 * @param pipeline lines each keeps in flight
	 * @param client makes client {@code id} on its connected channel
	 * @param name the name of the clients' thread
	 */
	SelectorClients(int port, int clients, int pipeline, BiFunction<Integer, SocketChannel, C> client, String name)
			throws IOException {
		this.pipeline = pipeline;
		this.selector = Selector.open();
		for (int i = 0; i < clients; i++) {
			SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
			channel.configureBlocking(false);
			C each = client.apply(i, channel);
			this.clients.add(each);
			each.key = channel.register(this.selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, each);
		}
		this.loop = new Thread(this::run, name);
		this.loop.setDaemon(true);
	}

	/** Start the clients: by the subclass, last in its constructor, as the loop calls its methods. */
	protected final void start() {
		this.loop.start();
	}

	/** Whether the loop has nothing more to do; asked before each round. */
	protected abstract boolean done();

	/** Whether {@code client} starts new lines; one it has begun it always completes. */
	protected abstract boolean sending(C client);

	/** A complete line from the server to {@code client}: an echo unless the subclass knows other lines. */
	protected void received(C client, byte[] line) {
		echoed(client, line);
	}

	/** After each round of the loop. */
	protected void afterRound() {
	}

	/** The clients, in the order of their ids. */
	protected final List<C> clients() {
		return this.clients;
	}

	/** Clients the server has ended. */
	protected final int ended() {
		return this.ended;
	}

	private void run() {
		try {
			while (!this.stop && !done()) {
				this.selector.select(100);
				for (SelectionKey key : this.selector.selectedKeys()) {
					C client = client(key);
					if (key.isValid() && key.isReadable()) {
						read(key, client);
					}
					if (key.isValid() && key.isWritable()) {
						write(key, client);
					}
				}
				this.selector.selectedKeys().clear();
				afterRound();
			}
			this.completed = done();
		}
		catch (IOException | RuntimeException ex) {
			this.failure = ex;
		}
	}

	@SuppressWarnings("unchecked") // every key's attachment is one of this.clients
	private C client(SelectionKey key) {
		return (C) key.attachment();
	}

	private void write(SelectionKey key, C client) {
		try {
			while (client.out != null || (sending(client) && client.sent - client.replies < this.pipeline)) {
				if (client.out == null) {
					client.out = ByteBuffer.wrap((client.line(client.sent) + "\r\n").getBytes(StandardCharsets.UTF_8));
				}
				client.bytesSent += client.channel.write(client.out);
				if (client.out.hasRemaining()) {
					return; // the socket is full: on when it is writable again
				}
				client.out = null;
				client.sent++;
			}
			// Enough in flight, or no new line to start: wait for replies before writing more.
			key.interestOps(SelectionKey.OP_READ);
		}
		catch (IOException ex) {
			// The server has closed: nothing more to send, what it sent is still to be read.
			client.outputBroken = true;
			key.interestOps(SelectionKey.OP_READ);
		}
	}

	private void read(SelectionKey key, C client) throws IOException {
		int n;
		try {
			n = client.channel.read(client.in);
		}
		catch (IOException ex) {
			end(key, client, "reset");
			return;
		}
		if (n > 0) {
			client.bytesReceived += n;
			takeLines(client);
			if (!client.outputBroken && sending(client) && client.sent - client.replies < this.pipeline) {
				key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
			}
		}
		else if (n < 0) {
			end(key, client, "eof");
		}
	}

	/** Cut what has been received into lines, keeping an unfinished one for the next read. */
	private void takeLines(C client) {
		ByteBuffer in = client.in;
		in.flip();
		int start = 0;
		for (int i = 0; i < in.limit(); i++) {
			if (in.get(i) != '\n') {
				continue;
			}
			byte[] line = Arrays.copyOfRange(in.array(), start, i + 1);
			start = i + 1;
			received(client, line);
		}
		in.position(start);
		in.compact();
	}

	/** Check {@code line} against the echo {@code client} is owed next, and count it. */
	protected final void echoed(C client, byte[] line) {
		String expected = Echoes.PREFIX + client.line(client.replies) + "\r\n";
		if (!text(line).equals(expected)) {
			client.mismatch("reply " + client.replies + " (of " + client.sent + " lines sent) was " + text(line).strip()
					+ ", expected " + expected.strip());
		}
		client.replies++;
	}

	private void end(SelectionKey key, C client, String how) throws IOException {
		if (client.in.position() > 0) {
			client.partial = text(Arrays.copyOf(client.in.array(), client.in.position()));
		}
		client.end = how;
		key.cancel();
		client.channel.close();
		this.ended++;
	}

	/**
	 * Wake the loop, so that it sees at once what the caller has changed, wait until it is
	 * {@link #done()}, at most {@code timeout}, and stop it.
	 * @return whether it was done before it was stopped
	 */
	protected final boolean awaitDone(Duration timeout) throws InterruptedException {
		this.selector.wakeup();
		this.loop.join(timeout.toMillis());
		this.stop = true;
		this.loop.join(5000);
		return this.completed;
	}

	/** Fail the test, with the cause, if the loop has failed: its clients' records would mislead. */
	protected final void assertRunning() {
		if (this.failure != null) {
			throw new AssertionError("The clients' loop failed", this.failure);
		}
	}

	@Override
	public void close() throws IOException {
		this.stop = true;
		try {
			this.loop.join(5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		for (C client : this.clients) {
			client.channel.close();
		}
		this.selector.close();
	}

}
