package io.github.echoserver.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.pem.PemContent;

/**
 * How the load's connections speak TLS ({@code --tls}): one {@link SSLContext} that trusts a CA
 * file or, for benchmarks only, any certificate, and a fresh client {@link SSLEngine} for every
 * connect.
 * <p>
 * The engines are made without the server's host and port, so the JDK neither caches nor resumes
 * sessions: every connect is a full handshake, the cost a server meets from new clients, and
 * connect mode counts exactly that. The price is that the host name is not checked, only the
 * certificate chain: enough to be sure the bench talks TLS to the server it was given.
 */
final class TlsClient {

	/** What {@code --tls-protocol} accepts; the server and the JDK agree on one of them otherwise. */
	static final List<String> PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

	private final SSLContext context;

	private final String[] protocols;

	private final String trust;

	private final boolean anyCertificate;

	private final boolean withCertificate;

	private TlsClient(TrustManager trustManager, @Nullable String protocol, String trust,
			KeyManager @Nullable [] identity) throws GeneralSecurityException {
		this.anyCertificate = trustManager instanceof AnyCertificate;
		this.withCertificate = identity != null;
		this.context = SSLContext.getInstance("TLS");
		this.context.init(identity, new TrustManager[] { trustManager }, null);
		this.protocols = (protocol != null) ? new String[] { protocol } : PROTOCOLS.toArray(String[]::new);
		this.trust = trust;
	}

	/**
	 * Trust the CA certificates of a PEM file.
	 * @param protocol one of {@link #PROTOCOLS}, or null for both
	 * @param identity the client certificate for mutual TLS ({@link #identity}), or null for none
	 * @throws IllegalArgumentException with a one-line reason when the file holds no certificate
	 */
	static TlsClient trusting(Path caFile, @Nullable String protocol, KeyManager @Nullable [] identity) {
		try {
			KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
			cas.load(null, null);
			int i = 0;
			for (Certificate certificate : readCertificates(caFile)) {
				cas.setCertificateEntry("ca-" + i++, certificate);
			}
			TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			factory.init(cas);
			for (TrustManager manager : factory.getTrustManagers()) {
				if (manager instanceof X509TrustManager pkix) {
					return new TlsClient(new CaTrust(pkix, caFile.toString()), protocol, caFile.toString(), identity);
				}
			}
			throw new IllegalArgumentException("the JDK has no X.509 trust manager");
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalArgumentException(caFile + ": " + ex.getMessage(), ex);
		}
	}

	/** Trust any certificate: {@code --tls-insecure}, for benchmarks only. */
	static TlsClient trustingAnyCertificate(@Nullable String protocol, KeyManager @Nullable [] identity) {
		try {
			return new TlsClient(new AnyCertificate(), protocol, "any certificate", identity);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalArgumentException("TLS: " + ex.getMessage(), ex);
		}
	}

	/**
	 * A client certificate and its key for mutual TLS, from PEM files (Spring Boot's PEM parser:
	 * PKCS#8, PKCS#1 and SEC 1 keys alike, no extra library; no Spring context is started).
	 * @throws IllegalArgumentException with a one-line reason when a file cannot be used
	 */
	static KeyManager[] identity(Path certificateFile, Path keyFile) {
		try {
			List<X509Certificate> chain = PemContent.load(certificateFile).getCertificates();
			PemContent keyContent = PemContent.load(keyFile);
			if (chain.isEmpty()) {
				throw new IllegalArgumentException(certificateFile + ": no PEM certificate in the file");
			}
			KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
			store.load(null, null);
			store.setKeyEntry("client", keyContent.getPrivateKey(), new char[0], chain.toArray(Certificate[]::new));
			KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			factory.init(store, new char[0]);
			return factory.getKeyManagers();
		}
		catch (NoSuchFileException ex) {
			throw new IllegalArgumentException(ex.getFile() + ": no such file", ex);
		}
		catch (IOException | GeneralSecurityException | IllegalStateException ex) {
			throw new IllegalArgumentException(certificateFile + ", " + keyFile + ": " + ex.getMessage(), ex);
		}
	}

	private static Collection<? extends Certificate> readCertificates(Path caFile) throws IOException, CertificateException {
		try (InputStream in = Files.newInputStream(caFile)) {
			Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
				.generateCertificates(in);
			if (certificates.isEmpty()) {
				throw new CertificateException("no PEM certificate in the file");
			}
			return certificates;
		}
		catch (NoSuchFileException ex) {
			throw new NoSuchFileException("no such file");
		}
	}

	/** A client engine for one connect, its handshake begun. */
	TlsSession newSession() throws SSLException {
		SSLEngine engine = this.context.createSSLEngine();
		engine.setUseClientMode(true);
		engine.setEnabledProtocols(this.protocols);
		return new TlsSession(engine);
	}

	/** {@code --tls-insecure}: the command warns about it. */
	boolean trustsAnyCertificate() {
		return this.anyCertificate;
	}

	/** For the report's header: the protocols offered and what is trusted. */
	String describe() {
		return String.join(",", this.protocols) + " trusting " + this.trust
				+ (this.withCertificate ? " with a client certificate" : "");
	}

	/**
	 * A trust manager of a client: it judges servers only, the same way whatever the transport.
	 * Extends the extended manager so that the JDK does not wrap it in checks of its own.
	 */
	private abstract static class ServerTrust extends X509ExtendedTrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			throw new CertificateException("the bench is a client");
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
				throws CertificateException {
			checkClientTrusted(chain, authType);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			checkClientTrusted(chain, authType);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
				throws CertificateException {
			checkServerTrusted(chain, authType);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			checkServerTrusted(chain, authType);
		}

	}

	/**
	 * The JDK's PKIX check with a failure worth reading: the handshake error the bench prints is
	 * this message, where the JDK's own names its certificate path builder.
	 */
	private static final class CaTrust extends ServerTrust {

		private final X509TrustManager pkix;

		private final String source;

		CaTrust(X509TrustManager pkix, String source) {
			this.pkix = pkix;
			this.source = source;
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			try {
				this.pkix.checkServerTrusted(chain, authType);
			}
			catch (CertificateException ex) {
				X509Certificate server = chain[0];
				throw new CertificateException("the server's certificate (" + server.getSubjectX500Principal().getName()
						+ ", issued by " + server.getIssuerX500Principal().getName() + ") is not signed by a CA of "
						+ this.source, ex);
			}
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return this.pkix.getAcceptedIssuers();
		}

	}

	/**
	 * {@code --tls-insecure}: every certificate passes. Extends the extended manager so that the
	 * JDK does not wrap it in its own checks (algorithm constraints) that would refuse some.
	 */
	private static final class AnyCertificate extends ServerTrust {

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
			// any server: the command said so, and warned
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

}
