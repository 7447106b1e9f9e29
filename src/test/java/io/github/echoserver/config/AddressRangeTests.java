package io.github.echoserver.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Proves how an {@code echo.access.*} entry is read and matched, without sockets: CIDR edges
 * (/0, /32, /128), IPv6 compression, IPv4-mapped addresses on either side, and the entries
 * that stop startup, host names among them (never looked up).
 */
class AddressRangeTests {

	@ParameterizedTest(name = "{0} contains {1}: {2}")
	@CsvSource(delimiter = '|', textBlock = """
			10.0.0.0/8          | 10.0.0.0                 | true
			10.0.0.0/8          | 10.255.255.255           | true
			10.0.0.0/8          | 11.0.0.0                 | false
			10.0.0.0/8          | 9.255.255.255            | false
			10.1.2.3            | 10.1.2.3                 | true
			10.1.2.3            | 10.1.2.4                 | false
			10.1.2.3/32         | 10.1.2.3                 | true
			10.1.2.3/32         | 10.1.2.2                 | false
			10.1.2.3/31         | 10.1.2.2                 | true
			10.1.2.3/31         | 10.1.2.4                 | false
			192.168.1.128/25    | 192.168.1.255            | true
			192.168.1.128/25    | 192.168.1.127            | false
			0.0.0.0/0           | 255.255.255.255          | true
			0.0.0.0/0           | 0.0.0.0                  | true
			0.0.0.0/0           | ::1                      | false
			::/0                | ::1                      | true
			::/0                | 2001:db8::1              | true
			::/0                | 127.0.0.1                | false
			::1                 | ::1                      | true
			::1/128             | 0:0:0:0:0:0:0:1          | true
			::1/128             | ::2                      | false
			::1                 | 127.0.0.1                | false
			2001:db8::/32       | 2001:0db8:ffff:0:0:0:0:1 | true
			2001:db8::/32       | 2001:db9::1              | false
			2001:DB8:0:0::1     | 2001:db8::1              | true
			fe80::/10           | febf::1                  | true
			fe80::/10           | fec0::1                  | false
			::ffff:10.0.0.0/104 | 10.200.0.1               | true
			::ffff:10.0.0.0/104 | 11.0.0.1                 | false
			::ffff:10.1.2.3     | 10.1.2.3                 | true
			::ffff:0.0.0.0/96   | 1.2.3.4                  | true
			10.0.0.0/8          | ::ffff:10.9.8.7          | true
			10.0.0.0/8          | ::ffff:11.9.8.7          | false
			""")
	void matches(String entry, String address, boolean contained) throws UnknownHostException {
		assertThat(AddressRange.parse(entry).contains(InetAddress.getByName(address))).isEqualTo(contained);
	}

	/** Java reports a mapped peer as IPv4 itself; an Inet6Address holding one is matched as IPv4 all the same. */
	@Test
	void aMappedIpv6AddressObjectMatchesIpv4Rules() throws UnknownHostException {
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3 };
		InetAddress address = Inet6Address.getByAddress(null, mapped, -1);
		assertThat(address).isInstanceOf(Inet6Address.class);
		assertThat(AddressRange.parse("10.0.0.0/8").contains(address)).isTrue();
		assertThat(AddressRange.parse("10.1.2.3").contains(address)).isTrue();
		assertThat(AddressRange.parse("11.0.0.0/8").contains(address)).isFalse();
	}

	@Test
	void hostBitsBeyondThePrefixAreIgnored() throws UnknownHostException {
		AddressRange range = AddressRange.parse("10.1.2.3/8");
		assertThat(range.prefixLength()).isEqualTo(8);
		assertThat(range.contains(InetAddress.getByName("10.200.0.0"))).isTrue();
	}

	@Test
	void aSingleAddressIsAFullLengthPrefix() {
		assertThat(AddressRange.parse("10.1.2.3").prefixLength()).isEqualTo(32);
		assertThat(AddressRange.parse("::1").prefixLength()).isEqualTo(128);
		assertThat(AddressRange.parse("::ffff:10.0.0.0/104").prefixLength()).isEqualTo(8);
	}

	@Test
	void keepsTheEntryAsWrittenForTheLog() {
		assertThat(AddressRange.parse(" 10.0.0.0/8 ")).hasToString("10.0.0.0/8");
		assertThat(AddressRange.parse("2001:DB8::/32")).hasToString("2001:DB8::/32");
	}

	@ParameterizedTest(name = "''{0}''")
	@ValueSource(strings = { "", " ", "banana", "localhost", "example.com", "10.0.0.0/33", "::1/129", "10.0.0",
			"10.0.0.0.0", "10.0.0.256", "10.0.0.-1", "10..0.1", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1",
			"10.0.0.0/+8", "10.0.0.0/08x", "10.0.0.0/1000", "1::2::3", "12345::", "fe80::1%eth0", "[::1]",
			"::ffff:10.0.0.0/95", "gggg::1", "10.0.0.1a" })
	void rejectsWhatIsNotAnAddressOrRange(String entry) {
		assertThatIllegalArgumentException().isThrownBy(() -> AddressRange.parse(entry))
			.withMessageContaining("an IPv4 or IPv6 address or CIDR range, e.g. 10.0.0.0/8");
	}

	@Nested
	class TheAccessProperty {

		@Test
		void anInvalidEntryIsNamedWithItsKeyAndIndex() {
			assertThatExceptionOfType(InvalidEchoPropertyException.class)
				.isThrownBy(() -> new EchoProperties.Access(List.of("10.0.0.0/8", "::1", "10.0.0.0/33"), List.of()))
				.satisfies((ex) -> {
					assertThat(ex.getProperty()).isEqualTo("echo.access.allow[2]");
					assertThat(ex.getMessage()).isEqualTo("Invalid value '10.0.0.0/33' for echo.access.allow[2]: "
							+ "an IPv4 or IPv6 address or CIDR range, e.g. 10.0.0.0/8");
				});
			assertThatExceptionOfType(InvalidEchoPropertyException.class)
				.isThrownBy(() -> new EchoProperties.Access(List.of(), List.of("banana")))
				.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("echo.access.deny[0]"));
		}

		@Test
		void validEntriesAreReadInOrder() {
			EchoProperties.Access access = new EchoProperties.Access(List.of("10.0.0.0/8", "::1"),
					List.of("10.1.2.3"));
			assertThat(access.allowRanges()).map(AddressRange::toString).containsExactly("10.0.0.0/8", "::1");
			assertThat(access.denyRanges()).map(AddressRange::toString).containsExactly("10.1.2.3");
			assertThat(access.isOpen()).isFalse();
			assertThat(new EchoProperties.Access(List.of(), List.of()).isOpen()).isTrue();
		}

	}

}
