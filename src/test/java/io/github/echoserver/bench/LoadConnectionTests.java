package io.github.echoserver.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static io.github.echoserver.testing.Bytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

class LoadConnectionTests {

	private final PayloadGenerator payloads = new PayloadGenerator(16);

	private final List<Reply> replies = new ArrayList<>();

	private final LoadConnection.ReplyListener listener = (connection, sequence, matches, sentAt,
			now) -> this.replies.add(new Reply(sequence, matches, sentAt));

	@Test
	void aReplyArrivingOneByteAtATimeMatches() {
		LoadConnection connection = connectionWithRequests(1);
		byte[] reply = reply(0);
		for (int i = 0; i < reply.length; i++) {
			connection.accept(reply, i, i + 1, 0, this.listener);
		}
		assertThat(this.replies).containsExactly(new Reply(0, true, 100));
	}

	@Test
	void pipelinedRepliesInOneReadMatchInOrder() {
		LoadConnection connection = connectionWithRequests(4);
		byte[] bytes = concat(reply(0), reply(1), reply(2), reply(3));
		connection.accept(bytes, 0, bytes.length, 0, this.listener);
		assertThat(this.replies).extracting(Reply::sequence).containsExactly(0L, 1L, 2L, 3L);
		assertThat(this.replies).allMatch(Reply::matches);
		assertThat(connection.received()).isEqualTo(4);
	}

	@Test
	void oneWrongByteIsAMismatchAndTheNextReplyStillMatches() {
		LoadConnection connection = connectionWithRequests(2);
		byte[] wrong = reply(0);
		wrong[20] ^= 1;
		byte[] bytes = concat(wrong, reply(1));
		connection.accept(bytes, 0, bytes.length, 0, this.listener);
		assertThat(this.replies).containsExactly(new Reply(0, false, 100), new Reply(1, true, 100));
	}

	@Test
	void aReplyTooShortOrTooLongIsAMismatch() {
		LoadConnection connection = connectionWithRequests(2);
		byte[] right = reply(0);
		byte[] shortLine = concat(Arrays.copyOf(right, right.length - 3), "\n".getBytes());
		byte[] longLine = concat(Arrays.copyOf(reply(1), right.length - 2), "x\r\n".getBytes());
		byte[] bytes = concat(shortLine, longLine);
		connection.accept(bytes, 0, bytes.length, 0, this.listener);
		assertThat(this.replies).containsExactly(new Reply(0, false, 100), new Reply(1, false, 100));
	}

	@Test
	void aMismatchIsDescribedWithWhatWasOwed() {
		LoadConnection connection = connectionWithRequests(1);
		byte[] bytes = "server busy# all workers busy\r\n".getBytes();
		connection.accept(bytes, 0, bytes.length, 0, this.listener);
		assertThat(connection.describeLastLine())
			.isEqualTo("got \"server busy# all workers busy\\r\\n\", expected \"" + new String(reply(0), 0, 29) + "\\r\\n\"");
	}

	@Test
	void aLineNobodyAskedForIsAMismatchThatAnswersNoRequest() {
		LoadConnection connection = connectionWithRequests(0);
		byte[] bytes = "server busy# too many connections\r\n".getBytes();
		connection.accept(bytes, 0, bytes.length, 0, this.listener);
		assertThat(this.replies).containsExactly(new Reply(-1, false, -1));
		assertThat(connection.received()).isZero();
	}

	@Test
	void aLineWithoutEndIsBoundedAndEndsAsOneMismatch() {
		LoadConnection connection = connectionWithRequests(1);
		byte[] chunk = new byte[64 * 1024];
		Arrays.fill(chunk, (byte) 'x');
		for (int i = 0; i < 64; i++) {
			connection.accept(chunk, 0, chunk.length, 0, this.listener);
		}
		assertThat(this.replies).isEmpty();
		connection.accept(new byte[] { '\n' }, 0, 1, 0, this.listener);
		assertThat(this.replies).containsExactly(new Reply(0, false, 100));
	}

	@Test
	void aPacedReplyIsTimedFromItsDueTimeNotFromWhenItLeft() {
		LoadConnection connection = new LoadConnection(3, this.payloads, 1);
		connection.queueRequest(500, 100);
		byte[] reply = reply(0);
		connection.accept(reply, 0, reply.length, 0, this.listener);
		assertThat(this.replies).containsExactly(new Reply(0, true, 100));
	}

	@Test
	void trickleModeHearsTheFirstLineHoweverItArrives() {
		LoadConnection connection = new LoadConnection(3, this.payloads, 1);
		assertThat(connection.firstLineHeard()).isEmpty();
		byte[] bytes = "server bye# line timeout\r\nmore".getBytes();
		connection.hear(bytes, 0, 7);
		connection.hear(bytes, 7, bytes.length);
		assertThat(connection.firstLineHeard()).isEqualTo("server bye# line timeout");
	}

	private LoadConnection connectionWithRequests(int count) {
		LoadConnection connection = new LoadConnection(3, this.payloads, Math.max(count, 1));
		for (int i = 0; i < count; i++) {
			connection.queueRequest(100);
		}
		return connection;
	}

	private byte[] reply(long sequence) {
		byte[] reply = new byte[this.payloads.replyLength()];
		this.payloads.writeReply(3, sequence, reply);
		return reply;
	}

	private record Reply(long sequence, boolean matches, long sentAt) {
	}

}
