package io.github.echoserver.connections;

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
}
