package io.github.echoserver.server;

import java.util.concurrent.Executor;

import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnection;

/**
 * The executor handed to the connection factory. Spring Integration runs a server factory's
 * never-ending accept loop as a task on the same executor as connection work; on a pool of N
 * that loop would take a worker for good, and a pool of one would serve nobody
 * (docs/architecture.md, Spring Integration point 1). So the loop gets a thread of its own and
 * only connection work goes to the {@link ConnectionModel}.
 */
final class ServerExecutor implements Executor {

	static final String LISTENER_THREAD_NAME = "echo-listener";

	private final ConnectionModel model;

	private final String listenerThreadName;

	/**
	 * @param model the workers
	 * @param listenerThreadName the accept loop's thread: {@code echo-listener}, or
	 * {@code echo-listener-tls} for the TLS port beside the clear-text one
	 */
	ServerExecutor(ConnectionModel model, String listenerThreadName) {
		this.model = model;
		this.listenerThreadName = listenerThreadName;
	}

	@Override
	public void execute(Runnable task) {
		if (task instanceof AbstractServerConnectionFactory) {
			Thread listener = new Thread(task, this.listenerThreadName);
			listener.setDaemon(true);
			listener.start();
		}
		else if (task instanceof TcpConnection connection && !connection.isOpen()) {
			// Refused at accept (access list or a connection limit) and already closed: nothing to serve.
		}
		else {
			this.model.execute(task);
		}
	}

}
