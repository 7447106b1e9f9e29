package io.github.echoserver.testing;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

import static io.github.echoserver.testing.Bytes.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that each keep a number of numbered lines in flight, on one selector in a thread of
 * their own, from connect until the server has closed every one of them, checking each reply
 * against the line it answers.
 */
public final class PipeliningClients extends SelectorClients<PipeliningClients.Client> {

	private final int repliesToBeServed;

	private final byte[] byeLine;

	private volatile int served;

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
		super(port, clients, pipeline, Client::new, "test-pipelining-clients");
		this.repliesToBeServed = repliesToBeServed;
		this.byeLine = bye.clone();
		start();
	}

	/** Clients that have had their {@code repliesToBeServed} replies. */
	public int served() {
		return this.served;
	}

	/** Done when the server has ended every client. */
	@Override
	protected boolean done() {
		return ended() == clients().size();
	}

	/** After the bye line nothing more is read: no new line either. */
	@Override
	protected boolean sending(Client client) {
		return !client.bye;
	}

	@Override
	protected void received(Client client, byte[] line) {
		if (client.bye) {
			client.mismatch("after the bye line: " + text(line));
		}
		else if (Arrays.equals(line, this.byeLine)) {
			client.bye = true;
		}
		else {
			echoed(client, line);
			if (client.replies == this.repliesToBeServed) {
				this.served++;
			}
		}
	}

	/** Wait until the server has ended every client, at most {@code timeout}; then stop the loop. */
	public void awaitAllEnded(Duration timeout) throws InterruptedException {
		awaitDone(timeout);
	}

	/** Each client: a gap-free prefix of its lines, answered byte for byte, then the bye line, then the end. */
	public void assertEachGotAPrefixOfItsLinesThenBye() {
		assertRunning();
		for (Client client : clients()) {
			String who = "client " + client.id + " (sent " + client.sent + ", replies " + client.replies + ", end "
					+ client.end + ")";
			assertThat(client.mismatch).as(who).isNull();
			assertThat(client.partial).as(who + ": ended in the middle of a line").isNull();
			assertThat(client.bye).as(who + ": bye line").isTrue();
			assertThat(client.end).as(who + ": closed by the server").isNotNull();
			assertThat(client.replies).as(who).isBetween(this.repliesToBeServed, client.sent);
		}
	}

	/** Replies received by all the clients. */
	public long replies() {
		return clients().stream().mapToLong((client) -> client.replies).sum();
	}

	/** Replies per client, lines left unanswered and how the clients ended, for the test's output. */
	public String summary() {
		int[] replies = clients().stream().mapToInt((client) -> client.replies).sorted().toArray();
		long sentNotAnswered = clients().stream().mapToLong((client) -> client.sent - client.replies).sum();
		long eof = clients().stream().filter((client) -> "eof".equals(client.end)).count();
		long reset = clients().stream().filter((client) -> "reset".equals(client.end)).count();
		return String.format("%d clients, %d replies (per client min %d, max %d), %d lines sent after the last reply, "
				+ "ended by eof %d, by reset %d", clients().size(), replies(), replies[0], replies[replies.length - 1],
				sentNotAnswered, eof, reset);
	}

	/** One pipelining client: whether it has had the bye line, besides what every client keeps. */
	static final class Client extends SelectorClient {

		volatile boolean bye;

		Client(int id, SocketChannel channel) {
			super(id, channel);
		}

		/** Numbered and padded so that a read spans many lines. */
		@Override
		String line(int i) {
			return super.line(i) + " " + "p".repeat(40);
		}

	}

}
