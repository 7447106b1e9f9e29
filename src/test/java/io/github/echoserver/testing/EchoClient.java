package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A blocking line client on loopback for tests. Every read is bounded by a socket timeout, so
 * a server that never answers fails the test instead of hanging it.
 */
public final class EchoClient implements AutoCloseable {

	/** How long any single read may wait for the server. */
	public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private EchoClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
	}

	/**
	 * A client over a socket already connected (and, for a {@link TlsClients} socket, handshaken).
	 * @param socket the socket, whose reads are bounded by {@link #READ_TIMEOUT} from here on
	 */
	static EchoClient over(Socket socket) {
		try {
			socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
			return new EchoClient(socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Connect to 127.0.0.1:{@code port}. */
	public static EchoClient connect(int port) {
		return connect(port, 0);
	}

	/**
	 * Connect to 127.0.0.1:{@code port}, for a {@link RudePeer} that wants a small receive buffer:
	 * set before the connect, so that the window offered to the server is that small.
	 * @param port the server's port
	 * @param receiveBufferSize the socket's receive buffer, or 0 for the system's default
	 */
	static EchoClient connect(int port, int receiveBufferSize) {
		return connect(null, "127.0.0.1", port, receiveBufferSize);
	}

	/**
	 * Connect from {@code sourceAddress} to {@code serverAddress}:{@code port}, so that the server
	 * sees a client of that address: on Linux every address of 127.0.0.0/8 is loopback, so
	 * 127.0.0.2, 127.0.0.3, ... are different clients of a server on 127.0.0.1.
	 * @param sourceAddress the client's address, e.g. {@code 127.0.0.2} or {@code ::1}
	 * @param serverAddress the server's address, e.g. {@code 127.0.0.1} or {@code ::1}
	 * @param port the server's port
	 * @return the connected client
	 */
	public static EchoClient connectFrom(String sourceAddress, String serverAddress, int port) {
		return connect(sourceAddress, serverAddress, port, 0);
	}

	private static EchoClient connect(@Nullable String sourceAddress, String serverAddress, int port, int receiveBufferSize) {
		try {
			Socket socket = new Socket();
			if (receiveBufferSize > 0) {
				socket.setReceiveBufferSize(receiveBufferSize);
			}
			if (sourceAddress != null) {
				socket.bind(new InetSocketAddress(sourceAddress, 0));
			}
			socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
			socket.setTcpNoDelay(true);
			socket.connect(new InetSocketAddress(serverAddress, port), (int) READ_TIMEOUT.toMillis());
			return new EchoClient(socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The local (client-side) port, as the server's admin API reports it. */
	public int localPort() {
		return this.socket.getLocalPort();
	}

	/** The socket, for a {@link RudePeer} to do with it what this client does not. */
	Socket socket() {
		return this.socket;
	}

	/** Send {@code text} as UTF-8, as is (add the line terminator yourself). */
	public EchoClient send(String text) {
		return send(text.getBytes(StandardCharsets.UTF_8));
	}

	/** Send raw bytes. */
	public EchoClient send(byte[] bytes) {
		try {
			this.out.write(bytes);
			this.out.flush();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send {@code line} followed by CR LF, as telnet does. */
	public EchoClient sendLine(String line) {
		return send(line + "\r\n");
	}

	/**
	 * Read one line sent by the server, up to and including LF.
	 * @return the bytes, terminator included
	 * @throws java.io.EOFException (wrapped) when the server closes first
	 */
	public byte[] readLineBytes() {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		try {
			int b;
			while ((b = this.in.read()) != -1) {
				line.write(b);
				if (b == '\n') {
					return line.toByteArray();
				}
			}
			throw new java.io.EOFException("Server closed after " + line.size() + " bytes of a line: "
					+ line.toString(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Read one line and return it as UTF-8 text without its CR LF. */
	public String readLine() {
		String line = new String(readLineBytes(), StandardCharsets.UTF_8);
		return line.endsWith("\r\n") ? line.substring(0, line.length() - 2) : line.substring(0, line.length() - 1);
	}

	/** Read exactly {@code n} bytes. */
	public byte[] readBytes(int n) {
		try {
			byte[] bytes = this.in.readNBytes(n);
			if (bytes.length < n) {
				throw new java.io.EOFException("Expected " + n + " bytes, got " + bytes.length);
			}
			return bytes;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Read everything until the server closes. */
	public byte[] readToEnd() {
		try {
			return this.in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Whether the server has closed the connection: the next read returns end of stream
	 * (bytes still unread count as "not closed").
	 */
	public boolean isClosedByServer() {
		try {
			return this.in.read() == -1;
		}
		catch (java.net.SocketException ex) {
			return true; // reset by the server
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Close our sending side (half-close), as {@code nc -N} does at end of input. */
	public void shutdownOutput() {
		try {
			this.socket.shutdownOutput();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Change the bound of every later read. */
	public EchoClient readTimeout(Duration timeout) {
		try {
			this.socket.setSoTimeout((int) timeout.toMillis());
			return this;
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
