package io.github.echoserver.process;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The supervisor's control socket: a Unix domain socket in a fresh temporary directory that only
 * this user may enter (so neither other hosts nor other users can reach it). Every worker
 * connects to it while it starts; each accepted channel is handed to a thread of its own, which
 * reads what that worker says for as long as it lives. A socket that cannot be bound leaves no
 * directory behind.
 */
final class ControlServer implements Closeable {

	/** The pause after a failed accept; it doubles with each failure in a row. */
	static final Duration FIRST_PAUSE = Duration.ofMillis(100);

	/** The longest pause between accepts that fail. */
	static final Duration MAX_PAUSE = Duration.ofSeconds(1);

	private static final Log logger = LogFactory.getLog(ControlServer.class);

	private final Path directory;

	private final Path socket;

	private final ServerSocketChannel server;

	private final Consumer<ControlChannel> reader;

	private final AtomicInteger connections = new AtomicInteger();

	private ControlServer(Path directory, ServerSocketChannel server, Consumer<ControlChannel> reader) {
		this.directory = directory;
		this.socket = directory.resolve("control.sock");
		this.server = server;
		this.reader = reader;
	}

	/**
	 * Open the socket and start accepting.
	 * @param reader what reads one worker's channel until it closes; runs on a thread of its own
	 * @return the open socket
	 * @throws IOException when the socket cannot be created
	 */
	static ControlServer open(Consumer<ControlChannel> reader) throws IOException {
		// Files.createTempDirectory makes the directory rwx------ on POSIX file systems.
		Path directory = Files.createTempDirectory("echo-server-");
		ServerSocketChannel server;
		try {
			server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		}
		catch (IOException ex) {
			Files.deleteIfExists(directory);
			throw ex;
		}
		ControlServer control = new ControlServer(directory, server, reader);
		try {
			server.bind(UnixDomainSocketAddress.of(control.socket));
		}
		catch (IOException ex) {
			control.close();
			throw ex;
		}
		Thread acceptor = new Thread(control::accept, "echo-control-accept");
		acceptor.setDaemon(true);
		acceptor.start();
		return control;
	}

	/** Where workers connect ({@code ECHO_WORKER_CONTROL_SOCKET}). */
	Path socket() {
		return this.socket;
	}

	/**
	 * Accept workers until the socket is closed. An accept that fails (out of file descriptors,
	 * say) is logged and retried after a pause that doubles up to {@link #MAX_PAUSE}, so that a
	 * lasting failure neither ends the loop nor spins a core.
	 */
	private void accept() {
		long pause = FIRST_PAUSE.toMillis();
		while (this.server.isOpen()) {
			try {
				SocketChannel accepted = this.server.accept();
				pause = FIRST_PAUSE.toMillis();
				ControlChannel channel = new ControlChannel(accepted);
				Thread thread = new Thread(() -> this.reader.accept(channel),
						"echo-control-" + this.connections.incrementAndGet());
				thread.setDaemon(true);
				thread.start();
			}
			catch (ClosedChannelException ex) {
				return;
			}
			catch (IOException ex) {
				logger.warn("Control socket: cannot accept a worker (" + ex.getMessage() + "); trying again in "
						+ pause + " ms");
				try {
					Thread.sleep(pause);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					return;
				}
				pause = Math.min(pause * 2, MAX_PAUSE.toMillis());
			}
		}
	}

	@Override
	public void close() {
		try {
			this.server.close();
			Files.deleteIfExists(this.socket);
			Files.deleteIfExists(this.directory);
		}
		catch (IOException ex) {
			logger.debug("Could not remove the control socket " + this.socket, ex);
		}
	}

}
