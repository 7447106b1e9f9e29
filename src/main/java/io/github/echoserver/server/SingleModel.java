package io.github.echoserver.server;

import io.github.echoserver.config.Io;

/**
 * {@code echo.mode: single}: one worker. Blocking, it serves one client until that client
 * leaves while the others wait in the queue (the teaching server's behaviour); NIO, it is an
 * event loop that serves every connection line by line.
 */
public final class SingleModel extends PooledModel {

	/**
	 * @param io the I/O flavour
	 * @param queueCapacity waiting connections (blocking; the connection limit bounds them) or
	 * pending reads (NIO)
	 */
	public SingleModel(Io io, int queueCapacity) {
		super(io, 1, queueCapacity);
	}

}
