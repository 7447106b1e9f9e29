package io.github.echoserver.server;

/**
 * {@code echo.mode: single} with blocking I/O: one worker serves one client until that client
 * leaves, while the others wait in the queue (the teaching server's behaviour). With NIO the
 * single model is one {@link EventLoop} instead ({@link EventLoopModel}).
 */
public final class SingleModel extends PooledModel {

	/**
	 * @param queueCapacity waiting connections; the connection limit bounds them
	 */
	public SingleModel(int queueCapacity) {
		super(1, queueCapacity);
	}

}
