package io.github.echoserver.testing;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * Clients that each keep sending numbered lines (a few in flight) and check every reply against
 * the line it answers, on one selector in a thread of their own, until {@link #finish(Duration)}:
 * then they send no new line and wait for the replies to all they sent. A client the server ends
 * (end of stream or reset) stops there and records how it ended; the others carry on. Unlike
 * {@link PipeliningClients}, the server is not expected to end anyone.
 */
public final class EchoingClients extends SelectorClients<SelectorClient> {

	private volatile boolean finishing;

	/**
	 * Connect the clients and start them.
	 * @param port the server's port on 127.0.0.1
	 * @param clients how many clients
	 * @param pipeline lines each keeps in flight
	 */
	public EchoingClients(int port, int clients, int pipeline) throws IOException {
		super(port, clients, pipeline, SelectorClient::new, "test-echoing-clients");
		start();
	}

	/** Done when finishing and every client not ended has had the replies to all it sent. */
	@Override
	protected boolean done() {
		return this.finishing && clients().stream()
			.allMatch((client) -> client.end != null || (client.out == null && client.replies == client.sent));
	}

	@Override
	protected boolean sending(SelectorClient client) {
		return !this.finishing;
	}

	/** Finishing, lines no longer flow by themselves: make sure a half-written one is completed. */
	@Override
	protected void afterRound() {
		if (this.finishing) {
			for (SelectorClient client : clients()) {
				if (client.key.isValid() && client.out != null) {
					client.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
				}
			}
		}
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
		boolean finished = awaitDone(timeout);
		assertRunning();
		if (!finished) {
			throw new AssertionError("Replies still owed after " + timeout + ": " + outcomes().stream()
				.filter((client) -> !client.ended() && client.replies() < client.sent())
				.limit(10)
				.toList());
		}
	}

	/** Each client as it stands; exact once {@link #finish(Duration)} has returned. */
	public List<Outcome> outcomes() {
		return clients().stream().map(EchoingClients::outcome).toList();
	}

	private static Outcome outcome(SelectorClient client) {
		return new Outcome(client.id, client.localPort, client.sent, client.replies, client.bytesSent,
				client.bytesReceived, client.end, client.mismatch, client.partial);
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

}
