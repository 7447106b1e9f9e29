package io.github.echoserver.pipeline;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.github.echoserver.connections.ConnectionHandle;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionState;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.connections.RejectionReason;

import static io.github.echoserver.pipeline.AccessListTests.access;
import static io.github.echoserver.pipeline.AccessListTests.address;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the admission's order without sockets: the access list first (deny wins), then the
 * per-client limit, then {@code echo.max-connections}; each refusal counted under its own
 * reason, the first two logged, and a per-client place given back by whoever lets go of it.
 */
class AdmissionTests {

	private final List<String> lines = new ArrayList<>();

	private final RefusalLog log = new RefusalLog(() -> 0L, this.lines::add, false);

	private int ids;

	@Test
	void aDeniedAddressIsRefusedFirstEvenWhenTheLimitsAreAlsoReached() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(1, 1);
		Admission admission = new Admission(access(List.of("10.0.0.0/8"), List.of("10.9.0.0/16")), registry, this.log);
		assertThat(admit(admission, "10.1.0.1")).isNull();
		// Full overall now, and 10.1.0.1 has its one connection, yet the refusals are the access list's.
		assertThat(admission
			.admit(nextId(), address("10.9.0.1"), 4000, ConnectionState.SERVING, Listener.PLAIN, new NoHandle())
			.refusal()).isEqualTo(Ending.DENIED);
		assertThat(admit(admission, "11.0.0.1")).isEqualTo(Ending.DENIED);
		assertThat(registry.rejected(RejectionReason.DENIED)).isEqualTo(2);
		assertThat(registry.rejected(RejectionReason.PER_CLIENT)).isZero();
		assertThat(registry.rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isZero();
		assertThat(registry.accepted()).isEqualTo(1);
		assertThat(this.lines).first().isEqualTo("Refused a connection from 10.9.0.0/16 (echo.access.deny): 10.9.0.1:4000");
		assertThat(this.lines).last().asString().startsWith("Refused a connection not in echo.access.allow: 11.0.0.1:");
	}

	@Test
	void anAddressOutsideANonEmptyAllowListIsDenied() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(10);
		Admission admission = new Admission(access(List.of("10.0.0.0/8"), List.of()), registry, this.log);
		assertThat(admit(admission, "10.1.2.3")).isNull();
		assertThat(admission
			.admit(nextId(), address("192.0.2.7"), 4000, ConnectionState.SERVING, Listener.PLAIN, new NoHandle())
			.refusal()).isEqualTo(Ending.DENIED);
		assertThat(registry.rejected(RejectionReason.DENIED)).isEqualTo(1);
		assertThat(this.lines).containsExactly("Refused a connection not in echo.access.allow: 192.0.2.7:4000");
	}

	@Test
	void thePerClientLimitComesBeforeTheOverallOne() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(2, 2);
		Admission admission = new Admission(access(List.of(), List.of()), registry, this.log);
		assertThat(admit(admission, "10.0.0.1")).isNull();
		assertThat(admit(admission, "10.0.0.1")).isNull();
		// Both limits reached: the client's own is named.
		assertThat(admit(admission, "10.0.0.1")).isEqualTo(Ending.PER_CLIENT_LIMIT);
		assertThat(admit(admission, "10.0.0.2")).isEqualTo(Ending.TOO_MANY_CONNECTIONS);
		assertThat(registry.rejected(RejectionReason.PER_CLIENT)).isEqualTo(1);
		assertThat(registry.rejected(RejectionReason.TOO_MANY_CONNECTIONS)).isEqualTo(1);
		assertThat(registry.openFrom("10.0.0.1")).isEqualTo(2);
		assertThat(registry.openFrom("10.0.0.2")).as("given back when max-connections refused it").isZero();
		assertThat(registry.clientAddresses()).isEqualTo(1);
		assertThat(this.lines).singleElement()
			.asString()
			.startsWith("Refused a connection from 10.0.0.1 over echo.max-connections-per-client (2): 10.0.0.1:");
	}

	@Test
	void anotherAddressIsServedWhileOneIsAtItsLimit() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(10, 1);
		Admission admission = new Admission(access(List.of(), List.of()), registry, this.log);
		assertThat(admit(admission, "::1")).isNull();
		assertThat(admit(admission, "::1")).isEqualTo(Ending.PER_CLIENT_LIMIT);
		assertThat(admit(admission, "127.0.0.1")).isNull();
		assertThat(registry.active()).isEqualTo(2);
	}

	@Test
	void aConnectionRefusedAfterAdmissionGivesItsPlaceBack() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(10, 1);
		Admission admission = new Admission(access(List.of(), List.of()), registry, this.log);
		String id = nextId();
		assertThat(admission
			.admit(id, address("10.0.0.1"), 4000, ConnectionState.WAITING, Listener.PLAIN, new NoHandle())
			.refusal()).isNull();
		assertThat(admit(admission, "10.0.0.1")).isEqualTo(Ending.PER_CLIENT_LIMIT);
		registry.refuse(id, RejectionReason.POOL_FULL);
		assertThat(registry.clientAddresses()).isZero();
		assertThat(admit(admission, "10.0.0.1")).isNull();
	}

	@Test
	void withoutAPerClientLimitNothingIsCountedPerAddress() throws UnknownHostException {
		ConnectionRegistry registry = new ConnectionRegistry(10);
		Admission admission = new Admission(access(List.of(), List.of()), registry, this.log);
		for (int i = 0; i < 5; i++) {
			assertThat(admit(admission, "10.0.0.1")).isNull();
		}
		assertThat(registry.clientAddresses()).isZero();
		assertThat(this.lines).isEmpty();
	}

	/**
	 * Two accepting threads (two listeners) take places of one address at once, 50,000 each
	 * against a limit of 50,000: exactly the limit is taken (a count read and then written
	 * would lose updates and let more in), and giving them all back removes the address.
	 */
	@Test
	void twoAcceptingThreadsNeverTakeMoreThanTheLimit() throws Exception {
		int limit = 50_000;
		ConnectionRegistry registry = new ConnectionRegistry(10, limit);
		CyclicBarrier start = new CyclicBarrier(2);
		Callable<Integer> acceptor = () -> {
			start.await(10, TimeUnit.SECONDS);
			int taken = 0;
			for (int i = 0; i < limit; i++) {
				if (registry.admitClient("10.0.0.1")) {
					taken++;
				}
			}
			return taken;
		};
		ExecutorService threads = Executors.newFixedThreadPool(2);
		int taken = 0;
		try {
			List<Future<Integer>> done = List.of(threads.submit(acceptor), threads.submit(acceptor));
			for (Future<Integer> thread : done) {
				taken += thread.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(taken).isEqualTo(limit);
		assertThat(registry.openFrom("10.0.0.1")).isEqualTo(limit);
		for (int i = 0; i < limit; i++) {
			registry.releaseClient("10.0.0.1");
		}
		assertThat(registry.clientAddresses()).isZero();
	}

	private Ending admit(Admission admission, String address) throws UnknownHostException {
		return admission.admit(nextId(), InetAddress.getByName(address), 40000 + this.ids, ConnectionState.SERVING,
				Listener.PLAIN, new NoHandle()).refusal();
	}

	private String nextId() {
		return "conn-" + (++this.ids);
	}

	/** The registry's handle of a connection no test ends. */
	static final class NoHandle implements ConnectionHandle {

		@Override
		public void end(Ending ending) {
		}

		@Override
		public void drain() {
		}

	}

}
