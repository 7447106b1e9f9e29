package io.github.echoserver.testing;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;

/**
 * A source a test adds to the application (in this JVM through
 * {@link RunningServer#startWith(Class[], String...)}, in a child JVM as
 * {@link #SOURCE_PROPERTY}): every accepted socket gets a send buffer of {@link #SIZE} bytes, so
 * that a client that does not read leaves the server blocked in a write after a few KiB of
 * replies. On loopback the kernel grows a socket's send buffer to 2-4 MB (its 64 KiB MSS sizes
 * the buffer), so that hundreds of such clients would hold gigabytes of the shared machine's
 * socket memory, and pressure on it would change the behaviour of every other test running.
 * Not a component: only a test that names it gets it.
 */
public final class SmallSendBuffers implements BeanPostProcessor {

	/** {@code SO_SNDBUF} of each accepted socket; the kernel doubles it for its bookkeeping. */
	public static final int SIZE = 8192;

	/** The argument that adds this class to an application started as a child JVM. */
	public static final String SOURCE_PROPERTY = "spring.main.sources=" + SmallSendBuffers.class.getName();

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof AbstractServerConnectionFactory factory) {
			factory.setSoSendBufferSize(SIZE);
		}
		return bean;
	}

}
