package io.github.echoserver.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.InvalidEchoPropertyException;

import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * The server's side of TLS, from the Spring Boot SSL bundle that {@code echo.ssl.bundle} names:
 * its key and certificate, its trust store (for client certificates), its options (protocols,
 * ciphers) and {@code echo.ssl.client-auth}. Each new connection gets an engine or socket from
 * the bundle's current context; when the bundle reloads ({@code reload-on-update: true} and its
 * files changed) new connections get the new context while open ones keep theirs, in every
 * worker process alike.
 * <p>
 * TLS 1.2 and 1.3 only. No host-name verification on accepted connections: that check belongs
 * to clients, and Spring Integration's ({@code sslVerifyHost}) breaks client-certificate checks on
 * the server.
 */
public final class ServerTls {

	private static final Log logger = LogFactory.getLog(ServerTls.class);

	/** The protocols the server speaks; a bundle may narrow them, never widen. */
	static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

	private final String bundleName;

	private final EchoProperties.ClientAuth clientAuth;

	private volatile Context current;

	private ServerTls(String bundleName, EchoProperties.ClientAuth clientAuth, Context current) {
		this.bundleName = bundleName;
		this.clientAuth = clientAuth;
		this.current = current;
	}

	/**
	 * TLS from a bundle, following its reloads.
	 * @param bundles Boot's SSL bundles
	 * @param ssl {@code echo.ssl.*}, with a bundle named
	 * @return the server's TLS
	 * @throws InvalidEchoPropertyException when no bundle has that name, or its options ask for a
	 * protocol other than TLS 1.2 or 1.3 (one startup line)
	 */
	public static ServerTls of(SslBundles bundles, EchoProperties.Ssl ssl) {
		String name = ssl.bundle();
		if (name == null) {
			throw new IllegalArgumentException("echo.ssl.bundle is not set");
		}
		SslBundle bundle;
		try {
			bundle = bundles.getBundle(name);
		}
		catch (NoSuchSslBundleException ex) {
			throw new InvalidEchoPropertyException("echo.ssl.bundle", name,
					"the name of a bundle under spring.ssl.bundle.pem or spring.ssl.bundle.jks (none is named so)");
		}
		ServerTls tls = new ServerTls(name, ssl.clientAuth(), Context.of(name, bundle));
		bundles.addBundleUpdateHandler(name, tls::reloaded);
		return tls;
	}

	/**
	 * A server-mode engine for a new connection, from the current context.
	 * @param peerHost the client's address, a hint for session resumption
	 * @param peerPort the client's port
	 * @return an engine that has not begun its handshake
	 */
	public SSLEngine newEngine(String peerHost, int peerPort) {
		Context context = this.current;
		SSLEngine engine = context.sslContext().createSSLEngine(peerHost, peerPort);
		engine.setUseClientMode(false);
		engine.setSSLParameters(parameters(context, engine.getSSLParameters()));
		return engine;
	}

	/**
	 * TLS over an accepted socket of which the first bytes have been read already (to tell a
	 * client that leaves without a byte from a handshake that fails); closing it closes the socket.
	 * @param accepted the connection as accepted
	 * @param consumed the bytes read from it so far, which the handshake reads first
	 * @return a server-mode socket that has not begun its handshake
	 * @throws IOException when the socket cannot be layered (it was closed)
	 */
	public SSLSocket layer(Socket accepted, byte[] consumed) throws IOException {
		Context context = this.current;
		SSLSocket socket = (SSLSocket) context.sslContext()
			.getSocketFactory()
			.createSocket(accepted, new ByteArrayInputStream(consumed), true);
		return serverMode(context, socket);
	}

	private SSLSocket serverMode(Context context, SSLSocket socket) {
		socket.setUseClientMode(false);
		socket.setSSLParameters(parameters(context, socket.getSSLParameters()));
		return socket;
	}

	/** {@code echo.ssl.bundle}. */
	public String bundleName() {
		return this.bundleName;
	}

	/** {@code echo.ssl.client-auth}. */
	public EchoProperties.ClientAuth clientAuth() {
		return this.clientAuth;
	}

	/** The serial number (hex) of the certificate new connections get, or null if the store has none. */
	public @Nullable String certificateSerial() {
		return this.current.serial();
	}

	private SSLParameters parameters(Context context, SSLParameters parameters) {
		parameters.setProtocols(context.protocols());
		String[] ciphers = context.ciphers();
		if (ciphers != null) {
			parameters.setCipherSuites(ciphers);
		}
		// Clients verify the server's name; the server has no name to check a client against.
		parameters.setEndpointIdentificationAlgorithm(null);
		switch (this.clientAuth) {
			case NEED -> parameters.setNeedClientAuth(true);
			case WANT -> parameters.setWantClientAuth(true);
			default -> parameters.setNeedClientAuth(false);
		}
		return parameters;
	}

	/** The bundle's files changed: new connections get the new context; a broken update keeps the old. */
	private void reloaded(SslBundle bundle) {
		try {
			Context context = Context.of(this.bundleName, bundle);
			this.current = context;
			logger.info("SSL bundle '" + this.bundleName + "' reloaded: new TLS connections get certificate serial "
					+ context.serial() + "; open ones carry on");
		}
		catch (RuntimeException ex) {
			logger.warn("SSL bundle '" + this.bundleName + "' changed but cannot be used, keeping the previous one: "
					+ ex.getMessage());
		}
	}

	/** One version of the bundle, ready for connections. */
	private record Context(SSLContext sslContext, String[] protocols, String @Nullable [] ciphers,
			@Nullable String serial) {

		static Context of(String name, SslBundle bundle) {
			SslOptions options = bundle.getOptions();
			String[] protocols = (options.getEnabledProtocols() != null) ? options.getEnabledProtocols()
					: PROTOCOLS.toArray(String[]::new);
			Set<String> unsupported = new java.util.TreeSet<>(Arrays.asList(protocols));
			PROTOCOLS.forEach(unsupported::remove);
			if (!unsupported.isEmpty() || protocols.length == 0) {
				throw new InvalidEchoPropertyException("spring.ssl.bundle.*." + name + ".options.enabled-protocols",
						String.join(",", protocols), "TLSv1.3 and/or TLSv1.2 (older protocols are not served)");
			}
			return new Context(bundle.createSslContext(), protocols, options.getCiphers(), serialOf(bundle));
		}

		private static @Nullable String serialOf(SslBundle bundle) {
			KeyStore store = bundle.getStores().getKeyStore();
			if (store == null) {
				return null;
			}
			try {
				String alias = bundle.getKey().getAlias();
				for (String candidate : (alias != null) ? List.of(alias) : Collections.list(store.aliases())) {
					Certificate certificate = store.getCertificate(candidate);
					if (certificate instanceof X509Certificate x509) {
						return x509.getSerialNumber().toString(16);
					}
				}
			}
			catch (KeyStoreException ex) {
				// Only for the log line.
			}
			return null;
		}

	}

}
