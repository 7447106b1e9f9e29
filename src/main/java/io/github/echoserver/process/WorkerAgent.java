package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.echoserver.admin.EchoView;
import io.github.echoserver.config.WorkerIdentity;
import io.github.echoserver.server.EchoServerLifecycle;
import io.github.echoserver.server.ServerStatus;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * A worker's end of the control channel. It connects to the supervisor while the context
 * starts, before the listener binds, so a worker never listens without a supervisor; it tells
 * the supervisor when its listener is up, and answers the supervisor's admin questions from this
 * process's {@link EchoView}. The standby (worker 0) starts everything but the listener, says it
 * is ready, and starts the listener as worker {@code n} when the supervisor says {@code listen}.
 * When the channel closes, the supervisor is gone (whatever killed it, even {@code kill -9}: the
 * kernel closes its end), and the worker exits through the normal shutdown, which drains its
 * connections and frees the port.
 */
public class WorkerAgent implements SmartLifecycle, DisposableBean {

	/** The exit status of a worker whose supervisor is gone. */
	static final int SUPERVISOR_GONE_STATUS = 3;

	/** The exit status of a standby whose listener could not start when it was told to listen. */
	static final int LISTEN_FAILED_STATUS = 1;

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	private final EchoView view;

	private final Supplier<WorkerCounters> counters;

	private final EchoServerLifecycle listener;

	private final ServerStatus status;

	private final ControlChannel channel;

	private final Path controlSocket;

	private volatile int index;

	private volatile boolean running;

	/** Set once the context closes: the channel's end is then this worker's own doing. */
	private volatile boolean closing;

	WorkerAgent(WorkerIdentity identity, EchoView view, Supplier<WorkerCounters> counters,
			EchoServerLifecycle listener, ServerStatus status) {
		this.view = view;
		this.counters = counters;
		this.listener = listener;
		this.status = status;
		this.index = identity.index();
		this.controlSocket = identity.controlSocket();
		try {
			this.channel = ControlChannel.connect(identity.controlSocket());
			send(ControlProtocol.event(ControlProtocol.HELLO).put("index", identity.index()).put("pid", ProcessHandle.current().pid()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Worker " + identity.index() + " cannot reach its supervisor at "
					+ identity.controlSocket() + ": " + ex.getMessage(), ex);
		}
		// Not a daemon: it keeps the worker's JVM alive for as long as the supervisor is there, even
		// while nothing else runs (a web-less standby has no other thread that is not a daemon).
		// It ends when the context closes (destroy()), so a context that fails to start, its
		// listener's bind say, lets the JVM exit with its failure report for the supervisor to show.
		Thread reader = new Thread(this::serve, "echo-control");
		reader.setDaemon(false);
		reader.start();
	}

	/**
	 * Runs once the context has started, after the listener (whose start waits for the bind):
	 * tell the supervisor that this worker listens, or, for the standby, that it is ready.
	 */
	@Override
	public void start() {
		this.running = true;
		try {
			if (this.index == 0) {
				send(ControlProtocol.event(ControlProtocol.READY));
			}
			else {
				sendListening();
			}
		}
		catch (IOException ex) {
			// The supervisor is gone; the reader thread sees it and exits the worker.
			logger.debug("Could not tell the supervisor that worker " + this.index + " is up", ex);
		}
	}

	private void sendListening() throws IOException {
		send(ControlProtocol.event(ControlProtocol.LISTENING).put("port", this.view.describe().listening().port()));
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return EchoServerLifecycle.PHASE + 1;
	}

	/** The context closes (a stop, or a start that failed): the control thread ends, and lets the JVM exit. */
	@Override
	public void destroy() {
		this.closing = true;
		this.channel.close();
	}

	private void serve() {
		try {
			String line;
			while ((line = this.channel.readLine()) != null) {
				JsonNode request;
				try {
					request = ControlProtocol.JSON.readTree(line);
				}
				catch (RuntimeException ex) {
					logger.warn("Worker " + this.index + ": unreadable line from the supervisor '"
							+ ControlReader.truncated(line) + "'");
					continue;
				}
				answer(request);
			}
		}
		catch (IOException | RuntimeException ex) {
			if (!this.closing) {
				logger.debug("Control channel failed", ex);
			}
		}
		if (!this.closing) {
			supervisorGone();
		}
	}

	private void answer(JsonNode request) throws IOException {
		ObjectNode reply = ControlProtocol.JSON.createObjectNode();
		reply.put(ControlProtocol.ID, request.path(ControlProtocol.ID).asLong());
		String op = request.path(ControlProtocol.OP).asString("");
		switch (op) {
			case ControlProtocol.DESCRIBE -> reply.set(ControlProtocol.RESULT,
					ControlProtocol.JSON.valueToTree(this.view.describe()));
			case ControlProtocol.CONNECTIONS -> reply.set(ControlProtocol.RESULT,
					ControlProtocol.JSON.valueToTree(this.view.connections()));
			case ControlProtocol.COUNTERS -> reply.set(ControlProtocol.RESULT,
					ControlProtocol.JSON.valueToTree(this.counters.get()));
			case ControlProtocol.CLOSE -> reply.put(ControlProtocol.RESULT,
					this.view.close(request.path(ControlProtocol.CONNECTION).asString("")));
			case ControlProtocol.PING -> reply.put(ControlProtocol.RESULT, true);
			case ControlProtocol.LISTEN -> {
				listen(request.path("index").asInt());
				reply.put(ControlProtocol.RESULT, true);
			}
			default -> reply.put(ControlProtocol.ERROR, "unknown op '" + op + "'");
		}
		send(reply);
	}

	/** The standby becomes worker {@code index}: its listener starts, and the supervisor hears that it listens. */
	private void listen(int index) throws IOException {
		if (this.index != 0) {
			return;
		}
		try {
			this.index = index;
			this.status.rename("Worker " + index);
			this.listener.start();
		}
		catch (RuntimeException ex) {
			// One line, as a failed start would give: the supervisor shows it and counts a death.
			logger.error("Worker " + index + " failed to start: " + ex.getMessage());
			System.exit(LISTEN_FAILED_STATUS);
		}
		sendListening();
	}

	private void supervisorGone() {
		this.channel.close();
		removeControlSocket();
		logger.warn("Worker " + this.index + ": the supervisor is gone; shutting down");
		// Shutdown hooks close the context: the listener stops, connections drain, the port is freed.
		System.exit(SUPERVISOR_GONE_STATUS);
	}

	/**
	 * A supervisor that was killed could not remove its control socket and directory: the first
	 * worker to leave does (the others find them gone).
	 */
	private void removeControlSocket() {
		try {
			Files.deleteIfExists(this.controlSocket);
			Path directory = this.controlSocket.getParent();
			if (directory != null) {
				Files.deleteIfExists(directory);
			}
		}
		catch (IOException ex) {
			// Another worker removed them first, or the directory is not empty: nothing to do.
		}
	}

	private void send(ObjectNode message) throws IOException {
		this.channel.send(ControlProtocol.JSON.writeValueAsString(message));
	}

}
