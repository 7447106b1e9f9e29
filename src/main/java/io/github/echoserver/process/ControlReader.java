package io.github.echoserver.process;

import java.io.IOException;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.JsonNode;

/**
 * Reads what one worker process says on its control channel, on the channel's own thread, until
 * the channel closes. It only parses lines: what they mean is for the supervisor's thread, to
 * which it hands each one as an {@link Events event}. A line that is not JSON, or anything said
 * before the hello, is logged at WARN with what was sent (cut short): a worker of the same jar
 * never sends one, so it is a bug or a stranger worth seeing.
 */
final class ControlReader implements Consumer<ControlChannel> {

	/** How much of a line a log line shows. */
	static final int LOGGED_LINE_CHARS = 200;

	private static final Log logger = LogFactory.getLog(ControlReader.class);

	private final Events events;

	ControlReader(Events events) {
		this.events = events;
	}

	@Override
	public void accept(ControlChannel channel) {
		long pid = -1;
		try {
			String line;
			while ((line = channel.readLine()) != null) {
				JsonNode message;
				try {
					message = ControlProtocol.JSON.readTree(line);
				}
				catch (RuntimeException ex) {
					logger.warn("Control channel of pid " + pid + ": unreadable line '" + truncated(line) + "'");
					continue;
				}
				if (pid >= 0) {
					this.events.message(pid, message, line);
				}
				else if (message.path(ControlProtocol.EVENT).asString("").equals(ControlProtocol.HELLO)
						&& message.path("pid").isNumber()) {
					pid = message.path("pid").asLong();
					this.events.hello(channel, message.path("index").asInt(-1), pid);
				}
				else {
					logger.warn("Control channel: '" + truncated(line) + "' before a hello; closing it");
					break;
				}
			}
		}
		catch (IOException ex) {
			logger.debug("Control channel of pid " + pid + " failed", ex);
		}
		this.events.closed(channel, pid);
	}

	/** {@code line}, cut to {@link #LOGGED_LINE_CHARS} for a log line. */
	static String truncated(String line) {
		return (line.length() <= LOGGED_LINE_CHARS) ? line : line.substring(0, LOGGED_LINE_CHARS) + "...";
	}

	/** What a channel's reader hands over; each is called on the reading thread. */
	interface Events {

		/** A process said who it is: worker {@code index}, process {@code pid}. */
		void hello(ControlChannel channel, int index, long pid);

		/** Process {@code pid} said {@code message} (the raw {@code line}, for a log line). */
		void message(long pid, JsonNode message, String line);

		/** The channel of process {@code pid} (-1 if it never said hello) is closed. */
		void closed(ControlChannel channel, long pid);

	}

}
