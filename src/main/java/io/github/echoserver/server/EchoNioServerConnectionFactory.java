package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.pipeline.PipelineFactory;
import io.github.echoserver.tls.ServerTls;

import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;

/**
 * The NIO server connection factory ({@code echo.io: nio}): a Spring Integration server factory
 * whose connections are served by {@link EventLoop}s.
 * <p>
 * Its accept loop runs on the listener thread: it binds (socket options through the
 * {@code TcpSocketSupport} hook, before the bind), publishes the listening event, and for each
 * new socket builds an {@link EchoNioConnection}, admits it, hands it to Spring Integration
 * (interceptors, the inbound adapter as its listener, the outbound adapter as its sender, the
 * open event) and assigns it to the next loop; on a TLS listener ({@code tls} given) it gets
 * its {@code SSLEngine} once admitted ({@link NioTls}). Spring Integration's own
 * {@code TcpNioServerConnectionFactory} hands every readable socket from its select thread to a
 * worker and re-arms it afterwards: two {@code epoll_ctl} calls, a selector wake-up and a queue
 * hand-off per read, which the benchmark showed to be most of the gap to Netty.
 */
final class EchoNioServerConnectionFactory extends AbstractServerConnectionFactory implements AcceptControl {

	private final EventLoopModel loops;

	private final PipelineFactory pipelines;

	private final AcceptFailures acceptFailures;

	/** TLS for every connection of this listener, or null for clear text. */
	private final @Nullable ServerTls tls;

	private volatile @Nullable ServerSocketChannel serverChannel;

	/** The port bound (the real one when 0 was asked for); still reported once the drain closed the channel. */
	private volatile int boundPort;

	EchoNioServerConnectionFactory(int port, EventLoopModel loops, PipelineFactory pipelines,
			AcceptFailures acceptFailures, @Nullable ServerTls tls) {
		super(port);
		this.loops = loops;
		this.pipelines = pipelines;
		this.acceptFailures = acceptFailures;
		this.tls = tls;
		registerSender(new ClosedConnectionForgetter(this.connections));
	}

	@Override
	public String getComponentType() {
		return "tcp-nio-event-loop-server-connection-factory";
	}

	/**
	 * The accept loop, on the listener thread (see {@link ServerExecutor}). It ends only when
	 * the drain or the stop closes the listening channel; a failed accept while it is open (out
	 * of file descriptors, most often) is counted and followed by a pause ({@link AcceptFailures}).
	 */
	@Override
	public void run() {
		ServerSocketChannel channel = bind();
		if (channel == null) {
			return;
		}
		this.serverChannel = channel;
		this.boundPort = channel.socket().getLocalPort();
		setListening(true);
		publishServerListeningEvent(getPort());
		try {
			while (isActive() && channel.isOpen()) {
				SocketChannel socket;
				try {
					socket = channel.accept();
				}
				catch (IOException ex) {
					if (channel.isOpen() && isActive()) {
						this.acceptFailures.failed(ex, this.boundPort, () -> channel.isOpen() && isActive());
					}
					continue;
				}
				this.acceptFailures.accepted();
				accept(socket);
			}
		}
		finally {
			setListening(false);
		}
	}

	/** Binds, or reports why not with the server exception event (one startup line, no stack trace). */
	private @Nullable ServerSocketChannel bind() {
		ServerSocketChannel channel = null;
		try {
			channel = ServerSocketChannel.open();
			postProcessServerSocket(channel.socket());
			String address = getLocalAddress();
			InetAddress nic = (address != null) ? InetAddress.getByName(address) : null;
			channel.bind(new InetSocketAddress(nic, super.getPort()), getBacklog());
			return channel;
		}
		catch (IOException ex) {
			closeQuietly(channel);
			publishServerExceptionEvent(ex);
			return null;
		}
	}

	private void accept(SocketChannel socket) {
		EchoNioConnection connection;
		try {
			socket.configureBlocking(false);
			setSocketAttributes(socket.socket());
			connection = new EchoNioConnection(socket, this.loops.next(), this.pipelines, getApplicationEventPublisher(),
					getComponentName());
			// Before it is registered with its loop: a refused connection is never read, and on a
			// TLS listener it is closed before any handshake.
			Ending refusal = connection.pipeline()
				.admit(socket.socket().getInetAddress(), connection.getPort(), ConnectionState.SERVING, connection);
			if (refusal != null) {
				connection.endUnserved(refusal, this.tls != null);
				return;
			}
		}
		catch (IOException | RuntimeException ex) {
			// Not admitted: nothing was counted, the socket is all there is to let go of.
			logger.warn(() -> "Could not take on a connection: " + ex);
			closeQuietly(socket);
			return;
		}
		try {
			if (this.tls != null) {
				// Only once admitted: a refused client costs no engine and gets no TLS byte.
				connection.secure(this.tls.newEngine(connection.getHostAddress(), connection.getPort()));
			}
			TcpConnectionSupport wrapped = wrapConnection(connection);
			initializeConnection(wrapped, socket.socket());
			connection.open();
		}
		catch (RuntimeException ex) {
			// Admitted, so counted as active: it ends through its pipeline, which closes it and
			// tells the registry, instead of a bare close that would leave it counted for good.
			logger.warn(() -> "Setting up the connection from " + connection.getHostAddress() + ":"
					+ connection.getPort() + " failed: " + ex);
			this.connections.remove(connection.getConnectionId());
			connection.endUnserved(Ending.INTERNAL_ERROR, this.tls != null);
		}
	}

	@Override
	public void stopAccepting() {
		closeQuietly(this.serverChannel);
		setListening(false);
		this.acceptFailures.wake();
	}

	/** Marked inactive first, so that the accept loop takes the closed channel for the stop it is. */
	@Override
	public void stop() {
		setActive(false);
		stopAccepting();
		super.stop();
	}

	@Override
	public int getPort() {
		int port = super.getPort();
		return (port == 0 && this.boundPort > 0) ? this.boundPort : port;
	}

	@Override
	public @Nullable SocketAddress getServerSocketAddress() {
		ServerSocketChannel channel = this.serverChannel;
		try {
			return (channel != null) ? channel.getLocalAddress() : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static void closeQuietly(@Nullable Channel channel) {
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// Closing: nothing left to do if it fails.
			}
		}
	}

}
