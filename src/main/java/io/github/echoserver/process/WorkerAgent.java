package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.echoserver.admin.EchoView;
import io.github.echoserver.config.WorkerIdentity;
import io.github.echoserver.server.EchoServerLifecycle;

import org.springframework.context.SmartLifecycle;

/**
 * A worker's end of the control channel. It connects to the supervisor while the context
 * starts, before the listener binds, so a worker never listens without a supervisor; it tells
 * the supervisor when its listener is up, and answers the supervisor's admin questions from this
 * process's {@link EchoView}. When the channel closes, the supervisor is gone (whatever killed
 * it, even {@code kill -9}: the kernel closes its end), and the worker exits through the normal
 * shutdown, which drains its connections and frees the port.
 */
public class WorkerAgent implements SmartLifecycle {

	/** The exit status of a worker whose supervisor is gone. */
	static final int SUPERVISOR_GONE_STATUS = 3;

	/**
	 * Test-only: the index of a worker that fails at every start after its first, so that a test
	 * can drive a crash loop. Never set it in production.
	 */
	static final String FAIL_RESTARTED_WORKER = "echo.test.fail-restarted-worker";

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	private final WorkerIdentity identity;

	private final EchoView view;

	private final ControlChannel channel;

	private volatile boolean running;

	public WorkerAgent(WorkerIdentity identity, EchoView view, String failRestartedWorker) {
		this.identity = identity;
		this.view = view;
		if (identity.start() > 0 && String.valueOf(identity.index()).equals(failRestartedWorker.trim())) {
			throw new IllegalStateException("Worker " + identity.index() + " fails at start, as "
					+ FAIL_RESTARTED_WORKER + " asks (start " + identity.start() + ")");
		}
		try {
			this.channel = ControlChannel.connect(identity.controlSocket());
			send(message(ControlProtocol.HELLO).put("index", identity.index()).put("pid", ProcessHandle.current().pid()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Worker " + identity.index() + " cannot reach its supervisor at "
					+ identity.controlSocket() + ": " + ex.getMessage(), ex);
		}
		Thread reader = new Thread(this::serve, "echo-control");
		reader.setDaemon(true);
		reader.start();
	}

	/** Runs after the listener is up (the lifecycle waits for the bind): tell the supervisor. */
	@Override
	public void start() {
		int port = this.view.describe().listening().port();
		try {
			send(message(ControlProtocol.LISTENING).put("port", port));
		}
		catch (IOException ex) {
			// The supervisor is gone; the reader thread sees it and exits the worker.
			logger.debug("Could not tell the supervisor that worker " + this.identity.index() + " listens", ex);
		}
		this.running = true;
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

	private void serve() {
		try {
			String line;
			while ((line = this.channel.readLine()) != null) {
				answer(ControlProtocol.JSON.readTree(line));
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Control channel failed", ex);
		}
		supervisorGone();
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
			case ControlProtocol.CLOSE -> reply.put(ControlProtocol.RESULT,
					this.view.close(request.path(ControlProtocol.CONNECTION).asString("")));
			default -> reply.put(ControlProtocol.ERROR, "unknown op '" + op + "'");
		}
		send(reply);
	}

	private void supervisorGone() {
		this.channel.close();
		logger.warn("Worker " + this.identity.index() + ": the supervisor is gone; shutting down");
		// Shutdown hooks close the context: the listener stops, connections drain, the port is freed.
		System.exit(SUPERVISOR_GONE_STATUS);
	}

	private static ObjectNode message(String event) {
		return ControlProtocol.JSON.createObjectNode().put(ControlProtocol.EVENT, event);
	}

	private void send(ObjectNode message) throws IOException {
		this.channel.send(ControlProtocol.JSON.writeValueAsString(message));
	}

}
