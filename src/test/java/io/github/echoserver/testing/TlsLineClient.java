package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * A TLS line client on loopback: trusts the test CA ({@code src/test/resources/tls}), presents a
 * client certificate when asked to, and bounds every read by {@link EchoClient#READ_TIMEOUT}.
 * The handshake is done when {@link #connect} returns.
 */
public final class TlsLineClient implements AutoCloseable {

	private final SSLSocket socket;

	private final InputStream in;

	private final OutputStream out;

	private TlsLineClient(SSLSocket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
	}

	/**
	 * A client context from the test material.
	 * @param trustedCa the CA file the client trusts, e.g. {@code ca} for {@code tls/ca.pem}
	 * @param clientCertificate the certificate (and key) it presents, e.g. {@code client}, or null for none
	 * @return the context
	 */
	public static SSLContext context(String trustedCa, @Nullable String clientCertificate) {
		PemSslStoreDetails key = (clientCertificate != null)
				? PemSslStoreDetails.forCertificate("classpath:tls/" + clientCertificate + ".pem")
					.withPrivateKey("classpath:tls/" + clientCertificate + ".key")
				: null;
		PemSslStoreDetails trust = PemSslStoreDetails.forCertificate("classpath:tls/" + trustedCa + ".pem");
		return SslBundle.of(new PemSslStoreBundle(key, trust)).createSslContext();
	}

	/** Connect to 127.0.0.1:{@code port} trusting the test CA, without a client certificate, and handshake. */
	public static TlsLineClient connect(int port) {
		return connect(port, context("ca", null));
	}

	/**
	 * Connect to 127.0.0.1:{@code port} and handshake.
	 * @param port the server's port
	 * @param context the client's TLS
	 * @return the client, its handshake done
	 */
	public static TlsLineClient connect(int port, SSLContext context) {
		return connect(port, context, 0);
	}

	/**
	 * Connect and handshake, with a receive buffer of {@code receiveBufferSize} (set before the
	 * connect, so that the window offered to the server is that small), or the system's for 0.
	 */
	public static TlsLineClient connect(int port, SSLContext context, int receiveBufferSize) {
		try {
			Socket plain = new Socket();
			if (receiveBufferSize > 0) {
				plain.setReceiveBufferSize(receiveBufferSize);
			}
			plain.setSoTimeout((int) EchoClient.READ_TIMEOUT.toMillis());
			plain.setTcpNoDelay(true);
			plain.connect(new InetSocketAddress("127.0.0.1", port), (int) EchoClient.READ_TIMEOUT.toMillis());
			SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
			socket.setUseClientMode(true);
			socket.startHandshake();
			return new TlsLineClient(socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The first flight of a TLS client (its ClientHello), as it would send it: for tests that send part of it. */
	public static byte[] clientHello() {
		try {
			SSLEngine engine = context("ca", null).createSSLEngine("localhost", 443);
			engine.setUseClientMode(true);
			ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
			engine.wrap(ByteBuffer.allocate(0), out);
			out.flip();
			byte[] hello = new byte[out.remaining()];
			out.get(hello);
			return hello;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The local (client-side) port, as the server's admin API reports it. */
	public int localPort() {
		return this.socket.getLocalPort();
	}

	public SSLSession session() {
		return this.socket.getSession();
	}

	public OutputStream output() {
		return this.out;
	}

	public InputStream input() {
		return this.in;
	}

	/** Send {@code text} as UTF-8, as is. */
	public TlsLineClient send(String text) {
		try {
			this.out.write(text.getBytes(StandardCharsets.UTF_8));
			this.out.flush();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send {@code line} followed by CR LF. */
	public TlsLineClient sendLine(String line) {
		return send(line + "\r\n");
	}

	/** Read one line and return it as UTF-8 text without its CR LF. */
	public String readLine() {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		try {
			int b;
			while ((b = this.in.read()) != -1) {
				if (b == '\n') {
					String text = line.toString(StandardCharsets.UTF_8);
					return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
				}
				line.write(b);
			}
			throw new java.io.EOFException("Server closed after " + line.size() + " bytes of a line");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Read everything until the server's close_notify (or its close), as UTF-8. */
	public String readToEnd() {
		try {
			return new String(this.in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The next byte of plaintext, or -1 at the server's close_notify. */
	public int read() {
		try {
			return this.in.read();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send close_notify and stop sending; the server's replies can still be read. */
	public void closeOutput() {
		try {
			this.socket.shutdownOutput();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Change the bound of every later read. */
	public TlsLineClient readTimeout(Duration timeout) {
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
