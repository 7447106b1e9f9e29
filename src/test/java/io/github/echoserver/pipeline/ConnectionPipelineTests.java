package io.github.echoserver.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.protocol.Framing;

import org.springframework.integration.ip.IpHeaders;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the connection pipeline with byte arrays in and bytes out: no socket, no Spring
 * context. The listener stands in for the flow (inbound adapter, echo handler, outbound
 * adapter): it builds the echo and hands it back, as the outbound adapter does through the
 * connection's {@code send}. A recording sink shows what reaches the transport, flush by flush.
 */
class ConnectionPipelineTests {

	private static final byte[] PREFIX = "server echo# ".getBytes(StandardCharsets.US_ASCII);

	private static final int MAX_LINE = 16;

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private final ConnectionRegistry registry = new ConnectionRegistry(10);

	private final RecordingSink sink = new RecordingSink();

	private final List<Message<?>> messages = new ArrayList<>();

	private ConnectionPipeline pipeline = open(Framing.LINE, this.sink);

	private ConnectionPipeline open(Framing framing, ReplySink replySink) {
		return open(framing, replySink, 0);
	}

	private ConnectionPipeline open(Framing framing, ReplySink replySink, int linesPerConnection) {
		ConnectionPipeline opened = new PipelineFactory(this.registry, framing, MAX_LINE, linesPerConnection)
			.create("conn-1", "127.0.0.1:5000", replySink);
		opened.setListener((message) -> {
			this.messages.add(message);
			byte[] frame = (byte[]) message.getPayload();
			if (Arrays.equals(frame, "boom".getBytes(StandardCharsets.US_ASCII))) {
				throw new IllegalStateException("fault injected by the test");
			}
			opened.reply(framing.reply(PREFIX, frame));
		});
		assertThat(opened.admit(LOOPBACK, 5000, ConnectionState.SERVING, new NoHandle())).isNull();
		return opened;
	}

	private void receive(String text) {
		receive(text.getBytes(StandardCharsets.UTF_8));
	}

	private void receive(byte[] bytes) {
		// Offset and trailing bytes, so the pipeline must honour both.
		byte[] buffer = new byte[bytes.length + 6];
		System.arraycopy(bytes, 0, buffer, 3, bytes.length);
		this.pipeline.received(buffer, 3, bytes.length);
	}

	@Nested
	class Frames {

		@Test
		void aLineInFragmentsIsEchoedOnceComplete() {
			receive("hel");
			receive("lo\r");
			assertThat(ConnectionPipelineTests.this.sink.flushes()).isEmpty();
			receive("\n");
			assertThat(ConnectionPipelineTests.this.sink.flushes()).containsExactly("server echo# hello\r\n");
		}

		@Test
		void pipelinedLinesOfOneReadLeaveInOneFlush() {
			receive("one\ntwo\r\nthree\n");
			assertThat(ConnectionPipelineTests.this.sink.flushes())
				.containsExactly("server echo# one\r\nserver echo# two\r\nserver echo# three\r\n");
		}

		@Test
		void eachFrameReachesTheListenerWithTheConnectionId() {
			receive("a\nb\n");
			assertThat(ConnectionPipelineTests.this.messages).hasSize(2)
				.allSatisfy((message) -> assertThat(message.getHeaders().get(IpHeaders.CONNECTION_ID))
					.isEqualTo("conn-1"));
		}

		@Test
		void repliesAndBytesAreCounted() {
			receive("hello\n");
			var connection = ConnectionPipelineTests.this.registry.find("conn-1");
			assertThat(connection.getLinesEchoed()).isEqualTo(1);
			assertThat(connection.getBytesIn()).isEqualTo(6);
			assertThat(connection.getBytesOut()).isEqualTo("server echo# hello\r\n".length());
		}

		@Test
		void aReplyOutsideAReadIsFlushedAtOnce() {
			ConnectionPipelineTests.this.pipeline.reply("late\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(ConnectionPipelineTests.this.sink.flushes()).containsExactly("late\r\n");
		}

		@Test
		void aReadTakenInTurnsIsAnsweredInOrderAndCountedOnce() {
			byte[] read = "a\n\nb\nc\nd".getBytes(StandardCharsets.US_ASCII);
			ConnectionPipeline taking = ConnectionPipelineTests.this.pipeline;
			int taken = taking.received(read, 0, read.length, 2);
			assertThat(taken).isEqualTo(3);
			taken += taking.resume(read, taken, read.length - taken, 2);
			assertThat(taken).isEqualTo(7);
			assertThat(taking.resume(read, taken, read.length - taken, 2)).as("the unfinished line is kept")
				.isEqualTo(read.length - taken);
			assertThat(ConnectionPipelineTests.this.sink.flushes()).containsExactly("server echo# a\r\nserver echo# \r\n",
					"server echo# b\r\nserver echo# c\r\n");
			receive("\n");
			assertThat(ConnectionPipelineTests.this.sink.flushes()).last().isEqualTo("server echo# d\r\n");
			assertThat(ConnectionPipelineTests.this.registry.find("conn-1").getBytesIn()).isEqualTo(read.length + 1);
		}

		@Test
		void rawFramingSendsEveryByteBackUnchanged() {
			RecordingSink rawSink = new RecordingSink();
			ConnectionPipelineTests.this.pipeline = open(Framing.RAW, rawSink);
			receive("no newline, \u0000 and more than sixteen bytes");
			assertThat(rawSink.flushes()).containsExactly("no newline, \u0000 and more than sixteen bytes");
		}

	}

	@Nested
	class Endings {

		@Test
		void theClientClosingGetsItsUnterminatedLastLineAndNoServerLine() {
			receive("one\ntail");
			ConnectionPipelineTests.this.pipeline.endOfStream();
			assertThat(ConnectionPipelineTests.this.sink.written()).isEqualTo("server echo# one\r\nserver echo# tail\r\n");
			assertThat(ConnectionPipelineTests.this.sink.closes()).containsExactly(true);
		}

		@Test
		void aLineTooLongIsAnsweredAfterTheLinesBeforeItAndCounted() {
			receive("ok\n" + "x".repeat(MAX_LINE + 2));
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# ok\r\nserver error# line too long (max 16 bytes)\r\n");
			assertThat(ConnectionPipelineTests.this.sink.closes()).containsExactly(true);
			assertThat(ConnectionPipelineTests.this.registry.linesTooLong()).isEqualTo(1);
		}

		@Test
		void telnetInterruptEndsTheSessionOnceTheLinesBeforeItHaveHadTheirTurns() {
			byte[] read = { 'a', '\n', 'b', '\n', (byte) 0xFF, (byte) 0xF4, 'c', '\n' };
			ConnectionPipeline taking = ConnectionPipelineTests.this.pipeline;
			int taken = taking.received(read, 0, read.length, 1);
			assertThat(taken).isEqualTo(2);
			assertThat(taking.isEnded()).isFalse();
			assertThat(taking.resume(read, taken, read.length - taken, 1)).isEqualTo(read.length - taken);
			assertThat(taking.isEnded()).isTrue();
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# a\r\nserver echo# b\r\nserver bye# interrupted\r\n");
		}

		@Test
		void telnetInterruptEndsTheSessionAfterTheLinesBeforeIt() {
			receive(new byte[] { 'o', 'k', '\n', (byte) 0xFF, (byte) 0xF4, 'x', '\n' });
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# ok\r\nserver bye# interrupted\r\n");
		}

		@Test
		void aFailureInTheFlowEndsOnlyThisConnectionWithAnInternalError() {
			receive("fine\nboom\nnever\n");
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# fine\r\nserver error# internal error\r\n");
			assertThat(ConnectionPipelineTests.this.registry.internalErrors()).isEqualTo(1);
			receive("after\n");
			assertThat(ConnectionPipelineTests.this.messages).hasSize(2);
		}

		@Test
		void anEndFromOutsideSaysItsLineAndClosesWithoutWaitingForReplies() {
			ConnectionPipelineTests.this.pipeline.end(Ending.IDLE_TIMEOUT);
			assertThat(ConnectionPipelineTests.this.sink.written()).isEqualTo("server bye# idle timeout\r\n");
			assertThat(ConnectionPipelineTests.this.sink.closes()).containsExactly(false);
		}

		@Test
		void onlyTheFirstEndingCountsButALaterForcedOneStillCloses() {
			ConnectionPipelineTests.this.pipeline.end(Ending.SHUTTING_DOWN);
			ConnectionPipelineTests.this.pipeline.end(Ending.SHUTTING_DOWN);
			ConnectionPipelineTests.this.pipeline.end(Ending.DRAIN_TIMEOUT);
			assertThat(ConnectionPipelineTests.this.sink.written()).isEqualTo("server bye# shutting down\r\n");
			assertThat(ConnectionPipelineTests.this.sink.closes()).containsExactly(true, false);
		}

		@Test
		void theDrainEndsAtTheEndOfWhatArrivedWithTheByeLine() {
			receive("last\n");
			ConnectionPipelineTests.this.pipeline.startDrain();
			ConnectionPipelineTests.this.pipeline.endOfStream();
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# last\r\nserver bye# shutting down\r\n");
		}

		@Test
		void aWriteTimeoutClosesWithoutALineAndIsCounted() {
			ConnectionPipelineTests.this.pipeline.end(Ending.WRITE_TIMEOUT);
			assertThat(ConnectionPipelineTests.this.sink.written()).isEmpty();
			assertThat(ConnectionPipelineTests.this.registry.writeTimeouts()).isEqualTo(1);
		}

		@Test
		void aLostConnectionClosesSilently() {
			ConnectionPipelineTests.this.pipeline.lost(new IOException("Connection reset"));
			assertThat(ConnectionPipelineTests.this.sink.written()).isEmpty();
			assertThat(ConnectionPipelineTests.this.sink.closes()).containsExactly(false);
			assertThat(ConnectionPipelineTests.this.registry.internalErrors()).isZero();
		}

		@Test
		void nothingIsReadAfterTheEnd() {
			ConnectionPipelineTests.this.pipeline.end(Ending.CLOSED_BY_ADMINISTRATOR);
			receive("ignored\n");
			assertThat(ConnectionPipelineTests.this.messages).isEmpty();
			assertThat(ConnectionPipelineTests.this.sink.written()).isEqualTo("server bye# closed by administrator\r\n");
		}

	}

	@Nested
	class Admission {

		@Test
		void beyondTheLimitAConnectionIsRefusedWithTheBusyLine() {
			ConnectionRegistry full = new ConnectionRegistry(1);
			PipelineFactory pipelines = new PipelineFactory(full, Framing.LINE, MAX_LINE, 0);
			assertThat(pipelines.create("a", "peer", new RecordingSink())
				.admit(LOOPBACK, 1, ConnectionState.SERVING, new NoHandle())).isNull();
			RecordingSink refusedSink = new RecordingSink();
			ConnectionPipeline refused = pipelines.create("b", "peer", refusedSink);
			Ending refusal = refused.admit(LOOPBACK, 2, ConnectionState.SERVING, new NoHandle());
			assertThat(refusal).isEqualTo(Ending.TOO_MANY_CONNECTIONS);
			refused.end(refusal);
			assertThat(refusedSink.written()).isEqualTo("server busy# too many connections\r\n");
			assertThat(full.rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isEqualTo(1);
			assertThat(full.active()).isEqualTo(1);
		}

		@Test
		void aConnectionRefusedForAFullPoolIsCountedAsRejectedNotClosed() {
			ConnectionPipelineTests.this.pipeline.end(Ending.POOL_FULL);
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server busy# all workers busy, try again later\r\n");
			assertThat(ConnectionPipelineTests.this.registry.rejected(RejectionReason.POOL_FULL)).isEqualTo(1);
			assertThat(ConnectionPipelineTests.this.registry.accepted()).isZero();
			assertThat(ConnectionPipelineTests.this.registry.active()).isZero();
		}

	}

	@Nested
	class LinesPerConnection {

		@Test
		void afterItsLinesTheConnectionClosesWithoutALineAndTheRestOfTheReadIsDroppedAndCounted() {
			ConnectionPipelineTests.this.pipeline = open(Framing.LINE, ConnectionPipelineTests.this.sink, 3);
			receive("a\nb\nc\nd\ne");
			assertThat(ConnectionPipelineTests.this.messages).hasSize(3);
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# a\r\nserver echo# b\r\nserver echo# c\r\n");
			assertThat(ConnectionPipelineTests.this.sink.closes()).as("after the replies").containsExactly(true);
			assertThat(ConnectionPipelineTests.this.registry.linesDropped()).as("d, and the unfinished e").isEqualTo(2);
		}

		@Test
		void theCountRunsAcrossReadsAndTurnsAndNoTurnGoesBeyondIt() {
			ConnectionPipelineTests.this.pipeline = open(Framing.LINE, ConnectionPipelineTests.this.sink, 3);
			ConnectionPipeline taking = ConnectionPipelineTests.this.pipeline;
			receive("a\n");
			byte[] read = "b\nc\nd\ne\n".getBytes(StandardCharsets.US_ASCII);
			assertThat(taking.received(read, 0, read.length, 256)).isEqualTo(read.length);
			assertThat(taking.isEnded()).isTrue();
			assertThat(ConnectionPipelineTests.this.messages).hasSize(3);
			assertThat(ConnectionPipelineTests.this.registry.linesDropped()).isEqualTo(2);
		}

		@Test
		void aLineLeftForALaterTurnIsStillTheLast() {
			ConnectionPipelineTests.this.pipeline = open(Framing.LINE, ConnectionPipelineTests.this.sink, 3);
			ConnectionPipeline taking = ConnectionPipelineTests.this.pipeline;
			byte[] read = "a\nb\nc\nd\n".getBytes(StandardCharsets.US_ASCII);
			int taken = taking.received(read, 0, read.length, 2);
			assertThat(taken).isEqualTo(4);
			assertThat(taking.isEnded()).isFalse();
			assertThat(taking.resume(read, taken, read.length - taken, 2)).isEqualTo(read.length - taken);
			assertThat(taking.isEnded()).isTrue();
			assertThat(ConnectionPipelineTests.this.sink.written())
				.isEqualTo("server echo# a\r\nserver echo# b\r\nserver echo# c\r\n");
			assertThat(ConnectionPipelineTests.this.registry.linesDropped()).isEqualTo(1);
		}

		@Test
		void withRawFramingEachReadIsOneLine() {
			RecordingSink rawSink = new RecordingSink();
			ConnectionPipelineTests.this.pipeline = open(Framing.RAW, rawSink, 2);
			receive("one\ntwo\n");
			assertThat(ConnectionPipelineTests.this.pipeline.isEnded()).isFalse();
			receive("three");
			assertThat(rawSink.written()).isEqualTo("one\ntwo\nthree");
			assertThat(rawSink.closes()).containsExactly(true);
			assertThat(ConnectionPipelineTests.this.registry.linesDropped()).isZero();
		}

		@Test
		void zeroServesUntilTheClientLeaves() {
			receive("a\n".repeat(1000));
			assertThat(ConnectionPipelineTests.this.messages).hasSize(1000);
			assertThat(ConnectionPipelineTests.this.pipeline.isEnded()).isFalse();
		}

	}

	/** Records what the pipeline writes, what each flush hands on, and each close. */
	static final class RecordingSink implements ReplySink {

		private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

		private final ByteArrayOutputStream all = new ByteArrayOutputStream();

		private final List<String> flushes = new ArrayList<>();

		private final List<Boolean> closes = new ArrayList<>();

		@Override
		public void write(byte[] bytes, int offset, int length) {
			this.buffered.write(bytes, offset, length);
			this.all.write(bytes, offset, length);
		}

		@Override
		public void flush() {
			if (this.buffered.size() > 0) {
				this.flushes.add(this.buffered.toString(StandardCharsets.UTF_8));
				this.buffered.reset();
			}
		}

		@Override
		public void close(boolean afterPendingWrites) {
			this.closes.add(afterPendingWrites);
		}

		List<String> flushes() {
			return this.flushes;
		}

		String written() {
			return this.all.toString(StandardCharsets.UTF_8);
		}

		List<Boolean> closes() {
			return this.closes;
		}

	}

	private static final class NoHandle implements ConnectionHandle {

		@Override
		public void end(Ending ending) {
		}

		@Override
		public void drain() {
		}

	}

}
