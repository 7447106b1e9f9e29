package io.github.echoserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * TLS clients of the test certificates ({@code src/test/resources/tls}, made by the script
 * there): a context that trusts the test CA, optionally presenting a client certificate, and
 * {@link EchoClient}s over TLS sockets that have completed their handshake. The client checks the
 * server's certificate and its name ({@code 127.0.0.1}, in the certificate's SAN), as a real
 * client does.
 */
public final class TlsClients {

	/** Every bundle key above the key and certificate files, e.g. {@code classpath:tls/server.pem}. */
	public static final String RESOURCES = "classpath:tls/";

	private TlsClients() {
	}

	/**
	 * The properties that serve TLS from the test server certificate (PEM bundle {@code test},
	 * trusting {@code ca.pem} for client certificates).
	 * @param more further {@code name=value} pairs, e.g. {@code echo.ssl.client-auth=need}
	 * @return the pairs for {@link RunningServer#start(String...)}
	 */
	public static String[] serverProperties(String... more) {
		String[] base = { "echo.ssl.bundle=test",
				"spring.ssl.bundle.pem.test.keystore.certificate=" + RESOURCES + "server.pem",
				"spring.ssl.bundle.pem.test.keystore.private-key=" + RESOURCES + "server.key",
				"spring.ssl.bundle.pem.test.truststore.certificate=" + RESOURCES + "ca.pem" };
		String[] all = new String[base.length + more.length];
		System.arraycopy(base, 0, all, 0, base.length);
		System.arraycopy(more, 0, all, base.length, more.length);
		return all;
	}

	/** A client context that trusts the test CA ({@code ca.pem}) and presents no certificate. */
	public static SSLContext trustingTestCa() {
		return context("ca", null);
	}

	/**
	 * A client context that trusts the test CA and presents a certificate.
	 * @param name the certificate's files without extension: {@code client} (signed by the test
	 * CA) or {@code other-client} (signed by another CA)
	 * @return the context
	 */
	public static SSLContext presenting(String name) {
		return context("ca", name);
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
		PemSslStoreDetails keyStore = (clientCertificate != null)
				? PemSslStoreDetails.forCertificate(RESOURCES + clientCertificate + ".pem")
					.withPrivateKey(RESOURCES + clientCertificate + ".key")
				: null;
		PemSslStoreDetails trustStore = PemSslStoreDetails.forCertificate(RESOURCES + trustedCa + ".pem");
		SslBundle bundle = SslBundle.of(new PemSslStoreBundle(keyStore, trustStore));
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

	/**
	 * Connect to 127.0.0.1:{@code port} with TLS, trusting the test CA, and complete the handshake.
	 * @param port the server's TLS port
	 * @return the client, handshaken
	 * @throws UncheckedIOException when the connection or the handshake fails (an
	 * {@link javax.net.ssl.SSLException} as its cause for a refused handshake)
	 */
	public static EchoClient connect(int port) {
		return connect(port, trustingTestCa());
	}

	/**
	 * Connect to 127.0.0.1:{@code port} with TLS from {@code context}, and complete the handshake.
	 * @param port the server's TLS port
	 * @param context the client's context, e.g. {@link #presenting(String)}
	 * @return the client, handshaken
	 * @throws UncheckedIOException when the connection or the handshake fails
	 */
	public static EchoClient connect(int port, SSLContext context) {
		return connect(port, context, new String[0]);
	}

	/**
	 * Connect to 127.0.0.1:{@code port} with TLS from {@code context}, offering only the given
	 * protocols, and complete the handshake.
	 * @param port the server's TLS port
	 * @param context the client's context
	 * @param protocols e.g. {@code TLSv1.2}; none for the JDK's default (TLS 1.3 and 1.2)
	 * @return the client, handshaken
	 * @throws UncheckedIOException when the connection or the handshake fails
	 */
	public static EchoClient connect(int port, SSLContext context, String... protocols) {
		return connect(port, context, 0, protocols);
	}

	/**
	 * Connect with TLS and complete the handshake, with a receive buffer of
	 * {@code receiveBufferSize} (set before the connect, so that the window offered to the server
	 * is that small), or the system's for 0.
	 */
	static EchoClient connect(int port, SSLContext context, int receiveBufferSize, String... protocols) {
		SSLSocket socket = null;
		try {
			socket = (SSLSocket) context.getSocketFactory().createSocket();
			if (receiveBufferSize > 0) {
				socket.setReceiveBufferSize(receiveBufferSize);
			}
			socket.setSoTimeout((int) EchoClient.READ_TIMEOUT.toMillis());
			socket.setTcpNoDelay(true);
			SSLParameters parameters = socket.getSSLParameters();
			if (protocols.length > 0) {
				parameters.setProtocols(protocols);
			}
			parameters.setEndpointIdentificationAlgorithm("HTTPS");
			socket.setSSLParameters(parameters);
			socket.connect(new InetSocketAddress("127.0.0.1", port), (int) EchoClient.READ_TIMEOUT.toMillis());
			socket.startHandshake();
			return EchoClient.over(socket);
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw new UncheckedIOException(ex);
		}
	}

	/** The TLS session of a client made here. */
	public static SSLSession session(EchoClient client) {
		return ((SSLSocket) client.socket()).getSession();
	}

	/** The TLS socket's own output, for a test that writes from a thread of its own (a {@link Flood}). */
	public static java.io.OutputStream outputOf(EchoClient client) {
		try {
			return client.socket().getOutputStream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The serial number of the certificate the server presented to {@code client}, in hex (e.g. {@code 2001}). */
	public static String serverSerial(EchoClient client) {
		try {
			return ((X509Certificate) session(client).getPeerCertificates()[0]).getSerialNumber().toString(16);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The bytes of a real ClientHello, as the JDK's client sends it first: the start of a
	 * handshake for a test to send whole, in part, or not at all.
	 * @return the TLS record holding the ClientHello
	 */
	public static byte[] clientHello() {
		try {
			SSLEngine engine = trustingTestCa().createSSLEngine("127.0.0.1", 7007);
			engine.setUseClientMode(true);
			ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
			engine.wrap(ByteBuffer.allocate(0), record);
			return Arrays.copyOf(record.array(), record.position());
		}
		catch (SSLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void closeQuietly(@Nullable SSLSocket socket) {
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// A failed test client: nothing to do.
			}
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

}
