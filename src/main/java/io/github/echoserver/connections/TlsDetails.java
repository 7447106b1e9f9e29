package io.github.echoserver.connections;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

/**
 * What a completed TLS handshake settled, as the admin API shows it per connection.
 *
 * @param protocol the protocol version, e.g. {@code TLSv1.3}
 * @param cipherSuite the cipher suite, e.g. {@code TLS_AES_128_GCM_SHA256}
 * @param clientSubject the subject of the client's certificate (mutual TLS), or {@code null}
 * when the client presented none
 */
public record TlsDetails(String protocol, String cipherSuite, @Nullable String clientSubject) {

	/**
	 * What a session that has completed its handshake settled.
	 * @param session the server's side of it
	 * @return its protocol, cipher suite and client certificate subject (null when the client
	 * presented none: client-auth none, or want and it had none)
	 */
	public static TlsDetails of(SSLSession session) {
		String clientSubject = null;
		try {
			Certificate[] chain = session.getPeerCertificates();
			if (chain.length > 0 && chain[0] instanceof X509Certificate certificate) {
				clientSubject = certificate.getSubjectX500Principal().getName();
			}
		}
		catch (SSLPeerUnverifiedException ex) {
			// No client certificate.
		}
		return new TlsDetails(session.getProtocol(), session.getCipherSuite(), clientSubject);
	}

}
