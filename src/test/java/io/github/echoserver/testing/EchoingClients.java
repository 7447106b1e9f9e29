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
import java.util.function.Predicate;

import static io.github.echoserver.testing.Bytes.text;
import static org.awaitility.Awaitility.await;

/**
 * Clients that each keep sending numbered lines (a few in flight) and check every reply against
 * the line it answers, on one selector in a thread of their own, until {@link #finish(Duration)}:
 * then they send no new line and wait for the replies to all they sent. A client the server ends
 * (end of stream or reset) stops there and records how it ended; the others carry on. Unlike
 * {@link PipeliningClients}, the server is not expected to end anyone.
 */
public final class EchoingClients implements AutoCloseable {

	private final int pipeline;

	private final Selector selector;

	private final List<Client> clients = new ArrayList<>();

	private final Thread loop;

	private volatile boolean finishing;

	private volatile boolean stop;

	private volatile boolean finished;

	private volatile Throwable failure;

	/**
	 * Connect the clients and start them.
	 * @param port the server's port on 127.0.0.1
	 * @param clients how many clients
	 * @param pipeline lines each keeps in flight
	 */
	public EchoingClients(int port, int clients, int pipeline) throws IOException {
		this.pipeline = pipeline;
		this.selector = Selector.open();
		for (int i = 0; i < clients; i++) {
			SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
			channel.configureBlocking(false);
			Client client = new Client(i, channel, ((InetSocketAddress) channel.getLocalAddress()).getPort());
			this.clients.add(client);
			channel.register(this.selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, client);
		}
		this.loop = new Thread(this::run, "test-echoing-clients");
		this.loop.setDaemon(true);
		this.loop.start();
	}

	private void run() {
		try {
			while (!this.stop && !(this.finishing && allAnswered())) {
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
				if (this.finishing) {
					// Lines no longer flow by themselves: make sure a half-written one is completed.
					for (SelectionKey key : this.selector.keys()) {
						Client client = (Client) key.attachment();
						if (key.isValid() && client.out != null) {
							key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
						}
					}
				}
			}
			this.finished = this.finishing && allAnswered();
		}
		catch (IOException | RuntimeException ex) {
			this.failure = ex;
		}
	}

	private boolean allAnswered() {
		return this.clients.stream().allMatch((client) -> client.end != null || (client.out == null && client.replies == client.sent));
	}

	private void write(SelectionKey key, Client client) {
		try {
			while (client.out != null || (!this.finishing && client.sent - client.replies < this.pipeline)) {
				if (client.out == null) {
					client.out = ByteBuffer.wrap((client.line(client.sent) + "\r\n").getBytes(StandardCharsets.UTF_8));
				}
				int n = client.channel.write(client.out);
				client.bytesSent += n;
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
			client.bytesReceived += n;
			takeLines(client);
			if (!client.outputBroken && !this.finishing && client.sent - client.replies < this.pipeline) {
				key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
			}
		}
		else if (n < 0) {
			end(key, client, "eof");
		}
	}

	/** Check each complete line received against the one owed. */
	private static void takeLines(Client client) {
		ByteBuffer in = client.in;
		in.flip();
		int start = 0;
		for (int i = 0; i < in.limit(); i++) {
			if (in.get(i) != '\n') {
				continue;
			}
			byte[] line = Arrays.copyOfRange(in.array(), start, i + 1);
			start = i + 1;
			String expected = Echoes.PREFIX + client.line(client.replies) + "\r\n";
			if (client.mismatch == null && !text(line).equals(expected)) {
				client.mismatch = "reply " + client.replies + " (of " + client.sent + " lines sent) was "
						+ text(line).strip() + ", expected " + expected.strip();
			}
			client.replies++;
		}
		in.position(start);
		in.compact();
	}

	private static void end(SelectionKey key, Client client, String how) throws IOException {
		if (client.in.position() > 0) {
			client.partial = text(Arrays.copyOf(client.in.array(), client.in.position()));
		}
		client.end = how;
		key.cancel();
		client.channel.close();
	}

	/** Wait until every client that {@code which} selects has had at least {@code replies} replies or has ended. */
	public void awaitReplies(Predicate<Outcome> which, int replies, Duration timeout) {
		await().atMost(timeout).until(() -> {
			assertRunning();
			return outcomes().stream().filter(which).allMatch((client) -> client.replies() >= replies || client.ended());
		});
	}

	/** Wait until every client that {@code which} selects has been ended by the server. */
	public void awaitEnded(Predicate<Outcome> which, Duration timeout) {
		await().atMost(timeout).until(() -> {
			assertRunning();
			return outcomes().stream().filter(which).allMatch(Outcome::ended);
		});
	}

	/**
	 * Send no new line, wait until every client not ended has had the replies to all it sent,
	 * and stop.
	 * @throws AssertionError when some are still owed replies after {@code timeout}
	 */
	public void finish(Duration timeout) throws InterruptedException {
		this.finishing = true;
		this.selector.wakeup();
		this.loop.join(timeout.toMillis());
		this.stop = true;
		this.loop.join(5_000);
		assertRunning();
		if (!this.finished) {
			throw new AssertionError("Replies still owed after " + timeout + ": " + outcomes().stream()
				.filter((client) -> !client.ended() && client.replies() < client.sent())
				.limit(10)
				.toList());
		}
	}

	private void assertRunning() {
		if (this.failure != null) {
			throw new AssertionError("The clients' loop failed", this.failure);
		}
	}

	/** Each client as it stands; exact once {@link #finish(Duration)} has returned. */
	public List<Outcome> outcomes() {
		return this.clients.stream().map(Client::outcome).toList();
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

	/**
	 * One client as it stands.
	 * @param id its number, from 0
	 * @param localPort its port, the {@code remotePort} of its connection in the admin API
	 * @param sent lines written completely
	 * @param replies replies received
	 * @param bytesSent bytes written
	 * @param bytesReceived bytes read
	 * @param end how the server ended it ({@code eof} or {@code reset}), or null while it is open
	 * @param mismatch the first reply that was not the echo of the line it answers, or null
	 * @param partial the bytes of an unfinished line it had when it was ended, or null
	 */
	public record Outcome(int id, int localPort, int sent, int replies, long bytesSent, long bytesReceived,
			String end, String mismatch, String partial) {

		/** Whether the server ended it. */
		public boolean ended() {
			return this.end != null;
		}

	}

	/** One client: what it has sent, what came back, and how it ended. */
	private static final class Client {

		final int id;

		final SocketChannel channel;

		final int localPort;

		volatile int sent;

		/** The line being written, if the socket took only part of it. */
		volatile ByteBuffer out;

		volatile int replies;

		volatile long bytesSent;

		volatile long bytesReceived;

		final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

		volatile boolean outputBroken;

		volatile String end;

		volatile String mismatch;

		volatile String partial;

		Client(int id, SocketChannel channel, int localPort) {
			this.id = id;
			this.channel = channel;
			this.localPort = localPort;
		}

		/** Line {@code i} of this client. */
		String line(int i) {
			return "client " + this.id + " line " + i;
		}

		Outcome outcome() {
			return new Outcome(this.id, this.localPort, this.sent, this.replies, this.bytesSent, this.bytesReceived,
					this.end, this.mismatch, this.partial);
		}

	}

}
