package io.github.echoserver.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import javax.net.ssl.SSLEngine;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One thread with one selector that owns the NIO connections assigned to it: it reads them,
 * runs their lines through the pipeline and the flow, and writes the replies, all on its own
 * thread and without a hand-off per read (the model Netty uses). Other threads reach a
 * connection by handing its loop a task ({@link #execute}), so a connection's state is only
 * ever touched by its loop. Each connection gets a bounded turn per pass
 * ({@link EchoNioConnection#LINES_PER_TURN} lines); one that has more to do waits in
 * {@link #turns} for the next pass, which then polls the selector instead of waiting on it.
 */
final class EventLoop implements Runnable {

	private static final Log logger = LogFactory.getLog(EventLoop.class);

	/** One read's worth; shared by the loop's connections, so an idle connection holds none. */
	static final int READ_BUFFER_SIZE = 16 * 1024;

	private final Selector selector;

	private final Thread thread;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	/** Connections whose turn ran out with lines still to decode, in the order they yielded; the loop's own. */
	private final Queue<EchoNioConnection> turns = new ArrayDeque<>();

	/** A wake-up is pending: further tasks need not wake the selector again. */
	private final AtomicBoolean wakeupPending = new AtomicBoolean();

	private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_SIZE);

	private final ReplyBatch replies = new ReplyBatch();

	/** Made when the first TLS connection needs them; a clear-text loop has none. */
	private @Nullable TlsBuffers tlsBuffers;

	private final LongAdder passes = new LongAdder();

	private volatile boolean running = true;

	private volatile boolean busy;

	EventLoop(String name) {
		try {
			this.selector = Selector.open();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open a selector for " + name, ex);
		}
		this.thread = new Thread(this, name);
		this.thread.setDaemon(true);
	}

	void start() {
		this.thread.start();
	}

	@Override
	public void run() {
		while (this.running) {
			try {
				if (this.turns.isEmpty()) {
					this.selector.select(this::process);
				}
				else {
					// Turns wait: the sockets are polled, not waited on, so no connection stalls.
					this.selector.selectNow(this::process);
				}
				this.wakeupPending.set(false);
				this.busy = true;
				runTasks();
				runTurns();
			}
			catch (VirtualMachineError ex) {
				// Out of memory or stack: nothing this loop can mend, and the JVM's own policy applies.
				throw ex;
			}
			catch (Throwable ex) {
				// A failure belongs to one connection, which has ended by now; the loop serves on. An
				// Error too: a class first needed with no descriptor left fails to load
				// (NoClassDefFoundError), and a loop that died would strand all its connections.
				logger.error("Event loop " + this.thread.getName() + " carries on after an unexpected failure", ex);
			}
			finally {
				this.busy = false;
				this.passes.increment();
			}
		}
		closeSelector();
	}

	private void process(SelectionKey key) {
		this.busy = true;
		EchoNioConnection connection = (EchoNioConnection) key.attachment();
		try {
			int ready = key.readyOps();
			if ((ready & SelectionKey.OP_WRITE) != 0) {
				connection.onWritable();
			}
			if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()) {
				connection.onReadable();
			}
		}
		catch (CancelledKeyException ex) {
			// Closed while its turn came: nothing left to do for it.
		}
		catch (RuntimeException ex) {
			failed(connection, ex);
		}
	}

	/** The turns that ran out on the last pass, each for one more turn; a turn that runs out again waits for the next pass. */
	private void runTurns() {
		for (int n = this.turns.size(); n > 0; n--) {
			EchoNioConnection connection = this.turns.poll();
			try {
				connection.onTurn();
			}
			catch (CancelledKeyException ex) {
				// Closed while its turn came: nothing left to do for it.
			}
			catch (RuntimeException ex) {
				failed(connection, ex);
			}
		}
	}

	/**
	 * The pipeline answers failures of the flow itself; anything else is a fault of this
	 * connection's transport. Closed, so that it cannot fail again at every pass.
	 */
	private void failed(EchoNioConnection connection, RuntimeException ex) {
		logger.error("Closing a connection after an unexpected failure on " + this.thread.getName(), ex);
		connection.close();
	}

	/**
	 * Every task queued so far. A failing task is the fault of whoever handed it over and is
	 * logged here: left to end the pass, it would strand the tasks behind it until some later
	 * wake-up, and none may come (the wake-up that brought them has been spent).
	 */
	private void runTasks() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				logger.error("A task on event loop " + this.thread.getName() + " failed; the loop runs the others", ex);
			}
		}
	}

	/**
	 * Run {@code task} on this loop's thread: at once if called from it, else at its next pass.
	 * @param task a short task that does not block
	 */
	void execute(Runnable task) {
		if (inLoop()) {
			task.run();
			return;
		}
		this.tasks.add(task);
		if (this.wakeupPending.compareAndSet(false, true)) {
			this.selector.wakeup();
		}
	}

	/**
	 * Give {@code connection} another turn on the next pass; on the loop's thread.
	 * @param connection a connection of this loop whose turn ran out with work left
	 */
	void later(EchoNioConnection connection) {
		this.turns.add(connection);
	}

	boolean inLoop() {
		return Thread.currentThread() == this.thread;
	}

	Selector selector() {
		return this.selector;
	}

	ByteBuffer readBuffer() {
		return this.readBuffer;
	}

	ReplyBatch replies() {
		return this.replies;
	}

	/**
	 * The loop's TLS scratch buffers, made on first use; on the loop's thread.
	 * @param engine the engine of the connection asking, which sizes them the first time
	 */
	TlsBuffers tlsBuffers(SSLEngine engine) {
		TlsBuffers buffers = this.tlsBuffers;
		if (buffers == null) {
			buffers = new TlsBuffers(engine);
			this.tlsBuffers = buffers;
		}
		return buffers;
	}

	/** Whether the loop is handling events now rather than waiting for them. */
	boolean isBusy() {
		return this.busy;
	}

	/** Tasks handed to the loop and not run yet. */
	int pendingTasks() {
		return this.tasks.size();
	}

	/** Passes through the loop: each one select and what it found. */
	long passes() {
		return this.passes.sum();
	}

	/**
	 * Stop after the current pass, closing the selector (and with it the registrations).
	 * @param timeoutMillis how long to wait for the thread to end
	 */
	void shutdown(long timeoutMillis) {
		this.running = false;
		this.selector.wakeup();
		if (inLoop()) {
			return;
		}
		try {
			this.thread.join(timeoutMillis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void closeSelector() {
		try {
			this.selector.close();
		}
		catch (IOException ex) {
			logger.debug("Closing the selector of " + this.thread.getName() + " failed: " + ex);
		}
	}

}
