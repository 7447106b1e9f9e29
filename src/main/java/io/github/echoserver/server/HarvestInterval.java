package io.github.echoserver.server;

/**
 * Lets the factories' sweep for closed connections run at most once per interval. Spring
 * Integration sweeps its whole connection map on every accept (TcpNet) and on every select
 * (TcpNio): with thousands of connections that scan was the select loop's largest cost in the
 * profile. Closed connections leave our registry at once; the factory's own map keeps them
 * until its first sweep after the interval, which for TcpNet is the next accept: so a closed
 * connection lets go of its buffers itself ({@link EchoNetConnection#close()}).
 */
final class HarvestInterval {

	private static final long INTERVAL_NANOS = 1_000_000_000L;

	private long next = System.nanoTime();

	/** Whether a sweep is due now; called by the factory's one accepting or selecting thread. */
	boolean due() {
		long now = System.nanoTime();
		if (now - this.next < 0) {
			return false;
		}
		this.next = now + INTERVAL_NANOS;
		return true;
	}

}
