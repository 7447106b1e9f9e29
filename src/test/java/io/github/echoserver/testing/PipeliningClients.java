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

import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that each keep a number of numbered lines in flight, on one selector in a thread of
 * their own, from connect until the server has closed every one of them, checking each reply
 * against the line it answers.
 */
public final class PipeliningClients implements AutoCloseable {

	private final int pipeline;

	private final int repliesToBeServed;

	private final byte[] byeLine;

	private final Selector selector;

	private final List<Client> clients = new ArrayList<>();

	private final Thread loop;

	private volatile boolean stop;

	private volatile int served;

	private volatile int ended;

	/**
	 * Connect the clients and start them.
	 * @param port the server's port on 127.0.0.1
	 * @param clients how many clients
	 * @param pipeline lines each keeps in flight
	 * @param repliesToBeServed replies after which a client counts as {@link #served()}
	 * @param bye the server's last line to each, e.g. {@code server bye# shutting down} CR LF
	 */
	public PipeliningClients(int port, int clients, int pipeline, int repliesToBeServed, byte[] bye)
			throws IOException {
		this.pipeline = pipeline;
		this.repliesToBeServed = repliesToBeServed;
		this.byeLine = bye.clone();
		this.selector = Selector.open();
		for (int i = 0; i < clients; i++) {
			SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
			channel.configureBlocking(false);
			Client client = new Client(i, channel);
			this.clients.add(client);
			channel.register(this.selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, client);
		}
		this.loop = new Thread(this::run, "test-pipelining-clients");
		this.loop.setDaemon(true);
		this.loop.start();
	}

	/** Clients that have had their {@code repliesToBeServed} replies. */
	public int served() {
		return this.served;
	}

	private void run() {
		try {
			while (!this.stop && this.ended < this.clients.size()) {
				this.selector.select(100);
				for (SelectionKey key : this.selector.selectedKeys()) {
					Client client = (Client) key.attachment();
					if (key.isValid() && key.isReadable()) {
						read(key, client);
					}
					if (key.isValid() && key.isWritable()) {
						write(key, client);
					}
				}
				this.selector.selectedKeys().clear();
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void write(SelectionKey key, Client client) {
		try {
			while (client.sent - client.replies < this.pipeline) {
				if (client.out == null) {
					client.out = ByteBuffer.wrap((client.line(client.sent) + "\r\n").getBytes(StandardCharsets.UTF_8));
				}
				client.channel.write(client.out);
				if (client.out.hasRemaining()) {
					return; // the socket is full: on when it is writable again
				}
				client.out = null;
				client.sent++;
			}
			// Enough in flight: wait for replies before writing more.
			key.interestOps(SelectionKey.OP_READ);
		}
		catch (IOException ex) {
			// The server has closed: nothing more to send, what it sent is still to be read.
			client.outputBroken = true;
			key.interestOps(SelectionKey.OP_READ);
		}
	}

	private void read(SelectionKey key, Client client) throws IOException {
		int n;
		try {
			n = client.channel.read(client.in);
		}
		catch (IOException ex) {
			end(key, client, "reset");
			return;
		}
		if (n > 0) {
			takeLines(client);
			if (!client.outputBroken && !client.bye && client.sent - client.replies < this.pipeline) {
				key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
			}
		}
		else if (n < 0) {
			end(key, client, "eof");
		}
	}

	/** Check each complete line received against the one owed. */
	private void takeLines(Client client) {
		ByteBuffer in = client.in;
		in.flip();
		int start = 0;
		for (int i = 0; i < in.limit(); i++) {
			if (in.get(i) != '\n') {
				continue;
			}
			byte[] line = Arrays.copyOfRange(in.array(), start, i + 1);
			start = i + 1;
			if (client.bye) {
				client.violate("after the bye line: " + text(line));
			}
			else if (Arrays.equals(line, this.byeLine)) {
				client.bye = true;
			}
			else {
				String expected = Echoes.PREFIX + client.line(client.replies) + "\r\n";
				if (!text(line).equals(expected)) {
					client.violate("reply " + client.replies + " (of " + client.sent + " lines sent) was "
							+ text(line).strip() + ", expected " + expected.strip());
				}
				client.replies++;
				if (client.replies == this.repliesToBeServed) {
					this.served++;
				}
			}
		}
		in.position(start);
		in.compact();
	}

	private void end(SelectionKey key, Client client, String how) throws IOException {
		if (client.in.position() > 0) {
			client.violate("ended in the middle of a line: " + text(Arrays.copyOf(client.in.array(), client.in.position())));
		}
		client.end = how;
		key.cancel();
		client.channel.close();
		this.ended++;
	}

	/** Wait until the server has ended every client, at most {@code timeout}; then stop the loop. */
	public void awaitAllEnded(Duration timeout) throws InterruptedException {
		this.loop.join(timeout.toMillis());
		this.stop = true;
		this.loop.join(1000);
	}

	/** Each client: a gap-free prefix of its lines, answered byte for byte, then the bye line, then the end. */
	public void assertEachGotAPrefixOfItsLinesThenBye() {
		for (Client client : this.clients) {
			String who = "client " + client.id + " (sent " + client.sent + ", replies " + client.replies + ", end "
					+ client.end + ")";
			assertThat(client.violation).as(who).isNull();
			assertThat(client.bye).as(who + ": bye line").isTrue();
			assertThat(client.end).as(who + ": closed by the server").isNotNull();
			assertThat(client.replies).as(who).isBetween(this.repliesToBeServed, client.sent);
		}
	}

	/** Replies received by all the clients. */
	public long replies() {
		return this.clients.stream().mapToLong((client) -> client.replies).sum();
	}

	/** Replies per client, lines left unanswered and how the clients ended, for the test's output. */
	public String summary() {
		int[] replies = this.clients.stream().mapToInt((client) -> client.replies).sorted().toArray();
		long sentNotAnswered = this.clients.stream().mapToLong((client) -> client.sent - client.replies).sum();
		long eof = this.clients.stream().filter((client) -> "eof".equals(client.end)).count();
		long reset = this.clients.stream().filter((client) -> "reset".equals(client.end)).count();
		return String.format("%d clients, %d replies (per client min %d, max %d), %d lines sent after the last reply, "
				+ "ended by eof %d, by reset %d", this.clients.size(), replies(), replies[0], replies[replies.length - 1],
				sentNotAnswered, eof, reset);
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
		for (Client client : this.clients) {
			client.channel.close();
		}
		this.selector.close();
	}

	/** One pipelining client: what it has sent, what came back, and how it ended. */
	private static final class Client {

		final int id;

		final SocketChannel channel;

		/** Lines written completely. */
		int sent;

		/** The line being written, if the socket took only part of it. */
		ByteBuffer out;

		/** Replies received, each the echo of line {@code replies} - 1. */
		int replies;

		final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

		boolean bye;

		boolean outputBroken;

		String end;

		String violation;

		Client(int id, SocketChannel channel) {
			this.id = id;
			this.channel = channel;
		}

		/** Line {@code i} of this client, numbered and padded so that a read spans many lines. */
		String line(int i) {
			return "client " + this.id + " line " + i + " " + "p".repeat(40);
		}

		void violate(String what) {
			if (this.violation == null) {
				this.violation = what;
			}
		}

	}

}
