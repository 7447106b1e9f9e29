package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A client on a plain socket, for what {@link EchoClient} does not do: reset the connection,
 * shrink its receive buffer, and read on through a reset.
 */
public final class RudePeer implements AutoCloseable {

	private final Socket socket;

	private RudePeer(Socket socket) {
		this.socket = socket;
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
		try {
			Socket socket = new Socket();
			if (receiveBufferSize > 0) {
				socket.setReceiveBufferSize(receiveBufferSize);
			}
			socket.setSoTimeout((int) EchoClient.READ_TIMEOUT.toMillis());
			socket.setTcpNoDelay(true);
			socket.connect(new InetSocketAddress("127.0.0.1", port), (int) EchoClient.READ_TIMEOUT.toMillis());
			return new RudePeer(socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The local (client-side) port, as the server's registry reports it. */
	public int localPort() {
		return this.socket.getLocalPort();
	}

	/** The socket's output, for a {@link Flood} to write to. */
	public OutputStream output() {
		try {
			return this.socket.getOutputStream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send {@code text} as UTF-8, as is. */
	public void send(String text) {
		try {
			output().write(text.getBytes(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** One line of the server's, without its CR LF. */
	public String readLine() {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		try {
			InputStream in = this.socket.getInputStream();
			int b;
			while ((b = in.read()) != '\n') {
				if (b < 0) {
					throw new IOException("Server closed after " + line.size() + " bytes of a line");
				}
				line.write(b);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		String text = line.toString(StandardCharsets.UTF_8);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	/**
	 * Everything the server sends until it closes, also when it ends with a reset (a server
	 * that closes with unread bytes from us resets the connection).
	 */
	public byte[] readUntilClosed() {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		try {
			InputStream in = this.socket.getInputStream();
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
			this.socket.setSoLinger(true, 0);
			this.socket.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			// closing a test client: nothing to do
		}
	}

}
