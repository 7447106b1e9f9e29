package io.github.echoserver.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records every event that reaches the Logback root logger (Spring Boot's default logging)
 * from {@link #start()} to {@link #close()}, so a test can prove that the server logged no ERROR
 * line and no stack trace while it ran.
 * <p>
 * Start it after the {@link RunningServer}: starting a Spring application re-initialises Logback,
 * which detaches the appenders of the root logger. {@link #assertNoErrorsOrStackTraces()} checks
 * that the capture is still attached, so a lost capture fails instead of passing silently.
 */
public final class LogCapture implements AutoCloseable {

	private final Logger root;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private LogCapture(Logger root) {
		this.root = root;
	}

	/** Attach a capture to the root logger. */
	public static LogCapture start() {
		LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
		LogCapture capture = new LogCapture(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
		capture.appender.setName("test-log-capture-" + System.identityHashCode(capture));
		capture.appender.setContext(context);
		capture.appender.start();
		capture.root.addAppender(capture.appender);
		return capture;
	}

	/** The events recorded so far, oldest first. */
	public List<ILoggingEvent> events() {
		// ListAppender appends under the appender's lock.
		synchronized (this.appender) {
			return new ArrayList<>(this.appender.list);
		}
	}

	/**
	 * Assert that no event at level ERROR and no event carrying a throwable (a stack trace) has
	 * been logged; WARN and INFO lines without a throwable are allowed.
	 */
	public void assertNoErrorsOrStackTraces() {
		assertThat(this.root.isAttached(this.appender))
			.as("the log capture is still attached to the root logger (a Spring application started after it "
					+ "re-initialised Logback)")
			.isTrue();
		List<ILoggingEvent> offending = events().stream()
			.filter((event) -> event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null)
			.toList();
		assertThat(offending).as("ERROR events or stack traces logged:%n%s", describe(offending)).isEmpty();
	}

	private static String describe(List<ILoggingEvent> events) {
		return events.stream()
			.map((event) -> event.getLevel() + " [" + event.getThreadName() + "] " + event.getLoggerName() + ": "
					+ event.getFormattedMessage()
					+ ((event.getThrowableProxy() != null) ? System.lineSeparator() + "    " + event.getThrowableProxy().getClassName() + ": "
							+ event.getThrowableProxy().getMessage() : ""))
			.collect(Collectors.joining(System.lineSeparator()));
	}

	@Override
	public void close() {
		this.root.detachAppender(this.appender);
		this.appender.stop();
	}

}
