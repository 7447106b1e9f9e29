/**
 * The {@code echo.*} configuration contract: one validated properties record and the choices it
 * offers (concurrency model, I/O flavour, framing).
 */
@NullMarked
package io.github.echoserver.config;

import org.jspecify.annotations.NullMarked;
