package io.github.echoserver.config;

/**
 * The Spring Integration connection factory flavour ({@code echo.io}).
 */
public enum Io {

	/** {@code TcpNetServerConnectionFactory}: one thread reads one socket at a time. */
	BLOCKING,

	/** {@code TcpNioServerConnectionFactory}: a selector dispatches ready sockets to the workers. */
	NIO;

	/** The name users write in {@code application.yml}. */
	public String value() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
