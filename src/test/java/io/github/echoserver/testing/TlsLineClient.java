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
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

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
	 * A client context from the test material. The client certificate is presented whatever
	 * CAs the server names in its request: the JDK would otherwise send none from another CA,
	 * and the server would never see a foreign certificate.
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
		SslBundle bundle = SslBundle.of(new PemSslStoreBundle(key, trust));
		KeyManager[] keyManagers = bundle.getManagers().getKeyManagers();
		for (int i = 0; i < keyManagers.length; i++) {
			if (keyManagers[i] instanceof X509ExtendedKeyManager manager) {
				keyManagers[i] = new PresentingAnyway(manager);
			}
		}
		try {
			SSLContext context = SSLContext.getInstance(SslBundle.DEFAULT_PROTOCOL);
			context.init(keyManagers, bundle.getManagers().getTrustManagers(), null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
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

	/** The session the handshake settled, to compare with what the server reports. */
	public SSLSession session() {
		return this.socket.getSession();
	}

	/** The plaintext stream to the server, for a test that writes from a thread of its own. */
	public OutputStream output() {
		return this.out;
	}

	/** The plaintext stream from the server, for a test that reads in bulk. */
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

	/** A key manager that offers its certificate to any server that asks for one. */
	private static final class PresentingAnyway extends X509ExtendedKeyManager {

		private final X509ExtendedKeyManager manager;

		PresentingAnyway(X509ExtendedKeyManager manager) {
			this.manager = manager;
		}

		@Override
		public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
			return this.manager.chooseEngineClientAlias(keyType, null, engine);
		}

		@Override
		public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
			return this.manager.chooseClientAlias(keyType, null, socket);
		}

		@Override
		public String[] getClientAliases(String keyType, Principal[] issuers) {
			return this.manager.getClientAliases(keyType, null);
		}

		@Override
		public String[] getServerAliases(String keyType, Principal[] issuers) {
			return this.manager.getServerAliases(keyType, issuers);
		}

		@Override
		public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
			return this.manager.chooseServerAlias(keyType, issuers, socket);
		}

		@Override
		public X509Certificate[] getCertificateChain(String alias) {
			return this.manager.getCertificateChain(alias);
		}

		@Override
		public PrivateKey getPrivateKey(String alias) {
			return this.manager.getPrivateKey(alias);
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
