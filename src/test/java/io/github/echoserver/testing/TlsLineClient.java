package io.github.echoserver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

/**
 * A TLS line client on loopback: an {@link EchoClient} over a {@link TlsClients} socket, trusting
 * the test CA ({@code src/test/resources/tls}), presenting a client certificate when asked to,
 * with every read bounded by {@link EchoClient#READ_TIMEOUT}. The handshake is done when
 * {@link #connect} returns.
 */
public final class TlsLineClient implements AutoCloseable {

	private final EchoClient client;

	private TlsLineClient(EchoClient client) {
		this.client = client;
	}

	/**
	 * A client context from the test material, as {@link TlsClients#context(String, String)}.
	 * @param trustedCa the CA file the client trusts, e.g. {@code ca} for {@code tls/ca.pem}
	 * @param clientCertificate the certificate (and key) it presents, e.g. {@code client}, or null for none
	 * @return the context
	 */
	public static SSLContext context(String trustedCa, @Nullable String clientCertificate) {
		return TlsClients.context(trustedCa, clientCertificate);
	}

	/** Connect to 127.0.0.1:{@code port} trusting the test CA, without a client certificate, and handshake. */
	public static TlsLineClient connect(int port) {
		return connect(port, TlsClients.trustingTestCa());
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
		return new TlsLineClient(TlsClients.connect(port, context, receiveBufferSize));
	}

	/** The first flight of a TLS client (its ClientHello), as it would send it: for tests that send part of it. */
	public static byte[] clientHello() {
		return TlsClients.clientHello();
	}

	/** The local (client-side) port, as the server's admin API reports it. */
	public int localPort() {
		return this.client.localPort();
	}

	/** The session the handshake settled, to compare with what the server reports. */
	public SSLSession session() {
		return TlsClients.session(this.client);
	}

	/** The plaintext stream to the server, for a test that writes from a thread of its own. */
	public OutputStream output() {
		return TlsClients.outputOf(this.client);
	}

	/** The plaintext stream from the server, for a test that reads in bulk. */
	public InputStream input() {
		try {
			return this.client.socket().getInputStream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send {@code text} as UTF-8, as is. */
	public TlsLineClient send(String text) {
		this.client.send(text);
		return this;
	}

	/** Send {@code line} followed by CR LF. */
	public TlsLineClient sendLine(String line) {
		return send(line + "\r\n");
	}

	/** Read one line and return it as UTF-8 text without its CR LF. */
	public String readLine() {
		return this.client.readLine();
	}

	@Override
	public void close() {
		this.client.close();
	}

}
