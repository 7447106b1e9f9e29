package io.github.echoserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
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

	@Test
	void aWorkersHelloAndMessagesReachTheSupervisorAndItsClosingIsTold() throws IOException {
		RecordedEvents events = new RecordedEvents();
		try (ControlServer server = ControlServer.open(new ControlReader(events));
				ControlChannel worker = ControlChannel.connect(server.socket())) {
			worker.send("{\"event\":\"hello\",\"index\":2,\"pid\":4242}");
			worker.send("{\"event\":\"listening\"}");
			await().atMost(WAIT).until(() -> events.said.size() == 2);
			assertThat(events.said).containsExactly("hello 2 4242", "4242 listening");
			worker.close();
			await().atMost(WAIT).until(() -> events.said.size() == 3);
			assertThat(events.said.get(2)).isEqualTo("closed 4242");
		}
	}

	@Test
	void anUnreadableLineIsAWarningWithWhatWasSentAndTheChannelReadsOn() throws IOException {
		RecordedEvents events = new RecordedEvents();
		try (LogCapture log = LogCapture.start();
				ControlServer server = ControlServer.open(new ControlReader(events));
				ControlChannel worker = ControlChannel.connect(server.socket())) {
			worker.send("{\"event\":\"hello\",\"index\":1,\"pid\":77}");
			worker.send("this is not json");
			worker.send("{\"event\":\"listening\"}");
			await().atMost(WAIT).until(() -> events.said.size() == 2);
			assertThat(events.said).containsExactly("hello 1 77", "77 listening");
			assertThat(warnings(log)).anySatisfy((line) -> assertThat(line).contains("pid 77")
				.contains("this is not json"));
		}
	}

	@Test
	void aLineBeforeTheHelloIsAWarningAndClosesTheChannel() throws IOException {
		RecordedEvents events = new RecordedEvents();
		try (LogCapture log = LogCapture.start();
				ControlServer server = ControlServer.open(new ControlReader(events));
				ControlChannel stranger = ControlChannel.connect(server.socket())) {
			stranger.send("{\"event\":\"listening\"}");
			await().atMost(WAIT).until(() -> events.said.size() == 1);
			assertThat(events.said).containsExactly("closed -1");
			assertThat(warnings(log)).anySatisfy((line) -> assertThat(line).contains("before a hello")
				.contains("{\"event\":\"listening\"}"));
		}
	}

	@Test
	void closingRemovesTheSocketAndItsPrivateDirectory() throws IOException {
		Path socket;
		try (ControlServer server = ControlServer.open(new ControlReader(new RecordedEvents()))) {
			socket = server.socket();
			assertThat(socket).exists();
		}
		assertThat(socket).doesNotExist();
		assertThat(socket.getParent()).doesNotExist();
	}

	private static List<String> warnings(LogCapture log) {
		return log.events()
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
