/**
 * The connection pipeline: everything a connection does that is not moving bytes, transport
 * free. Whether it is served at all (the {@link io.github.echoserver.pipeline.Admission}: the
 * access list, the per-client and overall limits); bytes in, through the preamble and the frame
 * decoder, each frame to Spring Integration's {@code TcpListener}, each reply to the transport's
 * {@link io.github.echoserver.pipeline.ReplySink}; and every way a connection ends, answered,
 * logged and counted in one place.
 */
@NullMarked
package io.github.echoserver.pipeline;

import org.jspecify.annotations.NullMarked;
