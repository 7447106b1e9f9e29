/**
 * TLS on the echo port: the server's side of it from a Spring Boot SSL bundle, kept current when
 * the bundle's files change. The transports use it to secure each accepted connection; the
 * pipeline never sees TLS.
 */
@NullMarked
package io.github.echoserver.tls;

import org.jspecify.annotations.NullMarked;
