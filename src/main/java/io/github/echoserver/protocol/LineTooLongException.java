package io.github.echoserver.protocol;

/**
 * A client sent a line longer than {@code echo.max-line-length}. An expected condition, not a
 * fault: the server answers {@link ServerMessages#lineTooLong(int)} and closes the connection.
 */
public class LineTooLongException extends RuntimeException {

	private final int maxLineLength;

	public LineTooLongException(int maxLineLength) {
		super("line too long (max " + maxLineLength + " bytes)");
		this.maxLineLength = maxLineLength;
	}

	public int getMaxLineLength() {
		return this.maxLineLength;
	}

	@Override
	public synchronized Throwable fillInStackTrace() {
		// Raised on a client's say-so; a stack trace would say nothing about the server.
		return this;
	}

}
