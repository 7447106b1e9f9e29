/**
 * The load client behind {@code java -jar echo-server.jar bench}: a few selector threads drive
 * many connections, check every reply byte for byte and report throughput and latency, without
 * starting the server's Spring context.
 */
@NullMarked
package io.github.echoserver.bench;

import org.jspecify.annotations.NullMarked;
