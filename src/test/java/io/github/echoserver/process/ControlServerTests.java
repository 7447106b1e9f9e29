package io.github.echoserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The supervisor's control socket over a real Unix domain socket, with a recording in place of
 * the supervisor: what a worker says reaches the supervisor as events, and what no worker of
 * this jar would ever say is logged at WARN with the line, not passed over at DEBUG.
 */
class ControlServerTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final RecordedEvents events = new RecordedEvents();

	private LogCapture log;

	private ControlServer server;

	@BeforeEach
	void open() throws IOException {
		this.log = LogCapture.start();
		this.server = ControlServer.open(new ControlReader(this.events));
	}

	@AfterEach
	void close() {
		this.server.close();
		this.log.close();
	}

	@Test
	void aWorkersHelloAndMessagesReachTheSupervisorAndItsClosingIsTold() throws IOException {
		try (ControlChannel worker = ControlChannel.connect(this.server.socket())) {
			worker.send("{\"event\":\"hello\",\"index\":2,\"pid\":4242}");
			worker.send("{\"event\":\"listening\"}");
			awaitEvents(2);
			assertThat(this.events.said).containsExactly("hello 2 4242", "4242 listening");
		}
		awaitEvents(3);
		assertThat(this.events.said.get(2)).isEqualTo("closed 4242");
	}

	@Test
	void anUnreadableLineIsAWarningWithWhatWasSentAndTheChannelReadsOn() throws IOException {
		try (ControlChannel worker = ControlChannel.connect(this.server.socket())) {
			worker.send("{\"event\":\"hello\",\"index\":1,\"pid\":77}");
			worker.send("this is not json");
			worker.send("{\"event\":\"listening\"}");
			awaitEvents(2);
		}
		assertThat(this.events.said).startsWith("hello 1 77", "77 listening");
		assertThat(warnings()).anySatisfy((line) -> assertThat(line).contains("pid 77").contains("this is not json"));
	}

	@Test
	void aLineBeforeTheHelloIsAWarningAndClosesTheChannel() throws IOException {
		try (ControlChannel stranger = ControlChannel.connect(this.server.socket())) {
			stranger.send("{\"event\":\"listening\"}");
			awaitEvents(1);
		}
		assertThat(this.events.said).containsExactly("closed -1");
		assertThat(warnings()).anySatisfy((line) -> assertThat(line).contains("before a hello")
			.contains("{\"event\":\"listening\"}"));
	}

	@Test
	void closingRemovesTheSocketAndItsPrivateDirectory() {
		Path socket = this.server.socket();
		assertThat(socket).exists();
		this.server.close();
		assertThat(socket).doesNotExist();
		assertThat(socket.getParent()).doesNotExist();
	}

	private void awaitEvents(int count) {
		await().atMost(WAIT).until(() -> this.events.said.size() >= count);
	}

	private List<String> warnings() {
		return this.log.events()
			.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	/** What the reader handed over, one line per event. */
	private static final class RecordedEvents implements ControlReader.Events {

		final List<String> said = new CopyOnWriteArrayList<>();

		@Override
		public void hello(ControlChannel channel, int index, long pid) {
			this.said.add("hello " + index + " " + pid);
		}

		@Override
		public void message(long pid, JsonNode message, String line) {
			this.said.add(pid + " " + message.path(ControlProtocol.EVENT).asString(""));
		}

		@Override
		public void closed(ControlChannel channel, long pid) {
			this.said.add("closed " + pid);
		}

	}

}
