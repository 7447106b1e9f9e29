package io.github.echoserver.pipeline;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.echoserver.config.EchoProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the access rules without sockets: deny wins over allow, an empty allow list allows
 * everyone not denied, a non-empty one refuses everyone else, and the refusal names its rule.
 */
class AccessListTests {

	@Test
	void withNoEntriesEveryAddressMayConnect() throws UnknownHostException {
		AccessList open = access(List.of(), List.of());
		assertThat(open.isOpen()).isTrue();
		assertThat(open.refusal(address("10.1.2.3"))).isNull();
		assertThat(open.refusal(address("::1"))).isNull();
	}

	@Test
	void anEmptyAllowListAllowsEveryoneNotDenied() throws UnknownHostException {
		AccessList denyOnly = access(List.of(), List.of("10.0.0.0/8"));
		assertThat(denyOnly.isOpen()).isFalse();
		assertThat(denyOnly.refusal(address("10.1.2.3"))).isEqualTo("from 10.0.0.0/8 (echo.access.deny)");
		assertThat(denyOnly.refusal(address("11.1.2.3"))).isNull();
		assertThat(denyOnly.refusal(address("2001:db8::1"))).isNull();
	}

	@Test
	void aNonEmptyAllowListRefusesEveryAddressItDoesNotHold() throws UnknownHostException {
		AccessList allowOnly = access(List.of("10.0.0.0/8", "::1"), List.of());
		assertThat(allowOnly.refusal(address("10.1.2.3"))).isNull();
		assertThat(allowOnly.refusal(address("::1"))).isNull();
		assertThat(allowOnly.refusal(address("11.1.2.3"))).isEqualTo("not in echo.access.allow");
		assertThat(allowOnly.refusal(address("::2"))).isEqualTo("not in echo.access.allow");
	}

	@Test
	void denyWinsOverAllow() throws UnknownHostException {
		AccessList both = access(List.of("10.0.0.0/8"), List.of("10.1.0.0/16", "10.1.2.3"));
		assertThat(both.refusal(address("10.2.0.1"))).isNull();
		// The first deny entry that matches names the refusal.
		assertThat(both.refusal(address("10.1.2.3"))).isEqualTo("from 10.1.0.0/16 (echo.access.deny)");
		assertThat(both.refusal(address("10.1.9.9"))).isEqualTo("from 10.1.0.0/16 (echo.access.deny)");
	}

	@Test
	void aMappedClientIsJudgedByTheIpv4Rules() throws UnknownHostException {
		AccessList both = access(List.of("127.0.0.0/8"), List.of("127.0.0.2"));
		assertThat(both.refusal(address("::ffff:127.0.0.2"))).isEqualTo("from 127.0.0.2 (echo.access.deny)");
		assertThat(both.refusal(address("::ffff:127.0.0.3"))).isNull();
		assertThat(both.refusal(address("::ffff:10.0.0.1"))).isEqualTo("not in echo.access.allow");
	}

	static AccessList access(List<String> allow, List<String> deny) {
		return AccessList.of(new EchoProperties.Access(allow, deny));
	}

	static InetAddress address(String literal) throws UnknownHostException {
		return InetAddress.getByName(literal);
	}

}
