package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;

/**
 * A client on a plain socket, for what {@link EchoClient} does not do: reset the connection,
 * shrink its receive buffer, and read on through a reset. It connects, sends and reads lines as
 * an {@link EchoClient}, which it wraps.
 */
public final class RudePeer implements AutoCloseable {

	private final EchoClient client;

	private RudePeer(EchoClient client) {
		this.client = client;
	}

	/** Connect to 127.0.0.1:{@code port} with the system's receive buffer. */
	public static RudePeer connect(int port) {
		return connect(port, 0);
	}

	/**
	 * Connect to 127.0.0.1:{@code port}.
	 * @param port the server's port
	 * @param receiveBufferSize the socket's receive buffer, or 0 for the system's default
	 */
	public static RudePeer connect(int port, int receiveBufferSize) {
		return new RudePeer(EchoClient.connect(port, receiveBufferSize));
	}

	/** The local (client-side) port, as the server's registry reports it. */
	public int localPort() {
		return this.client.localPort();
	}

	/** The socket's output, for a {@link Flood} to write to. */
	public OutputStream output() {
		try {
			return socket().getOutputStream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send {@code text} as UTF-8, as is. */
	public void send(String text) {
		this.client.send(text);
	}

	/** One line of the server's, without its CR LF. */
	public String readLine() {
		return this.client.readLine();
	}

	/**
	 * Everything the server sends until it closes, also when it ends with a reset (a server
	 * that closes with unread bytes from us resets the connection).
	 */
	public byte[] readUntilClosed() {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		try {
			InputStream in = socket().getInputStream();
			int n;
			while ((n = in.read(buffer)) >= 0) {
				all.write(buffer, 0, n);
			}
		}
		catch (SocketException ex) {
			// Reset by the server after its last line: what it sent before is in `all`.
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return all.toByteArray();
	}

	/** Close with a reset (RST) instead of a FIN. */
	public void reset() {
		try {
			socket().setSoLinger(true, 0);
			socket().close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private Socket socket() {
		return this.client.socket();
	}

	@Override
	public void close() {
		this.client.close();
	}

}
