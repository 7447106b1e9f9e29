package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

import io.github.echoserver.connections.RejectionReason;
import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.LogCapture;
import io.github.echoserver.testing.RunningServer;

import static io.github.echoserver.testing.Bytes.text;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The admission over real sockets, in blocking and in NIO pooled mode: clients bound to different
 * loopback source addresses (on Linux all of 127.0.0.0/8 is loopback) are refused or served by
 * {@code echo.access.*} and {@code echo.max-connections-per-client}, counted by reason, and a
 * flood of refused connects costs the log a few lines.
 * <p>
 * The server allows 127.0.0.0/28 (.0 to .15), denies 127.0.0.2, 127.0.0.8/30 (.8 to .11) and
 * 127.0.0.12/30 (.12 to .15), and allows 2 connections per address. Each test uses addresses
 * and rules of its own (the log's limit is per rule).
 */
class AccessControlTests {

	private static final String PER_CLIENT_BUSY = "server busy# too many connections from your address\r\n";

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Nested
	class PooledBlocking extends AccessControl {

		PooledBlocking() {
			super("blocking");
		}

	}

	@Nested
	class PooledNio extends AccessControl {

		PooledNio() {
			super("nio");
		}

	}

	@TestInstance(Lifecycle.PER_CLASS)
	abstract static class AccessControl {

		private final String io;

		private RunningServer server;

		AccessControl(String io) {
			this.io = io;
		}

		@BeforeAll
		void startServer() {
			this.server = RunningServer.start("echo.mode=pooled", "echo.io=" + this.io,
					"echo.access.allow=127.0.0.0/28", "echo.access.deny=127.0.0.2,127.0.0.8/30,127.0.0.12/30",
					"echo.max-connections-per-client=2");
		}

		@AfterAll
		void stopServer() {
			if (this.server != null) {
				this.server.close();
			}
		}

		@Test
		void aDeniedAddressGetsEndOfStreamWithoutAByteWhileAnAllowedOneIsEchoed() {
			long deniedBefore = this.server.registry().rejected(RejectionReason.DENIED);
			long rejectedBefore = AdminApi.echo(this.server).at("/connections/rejected").asLong();
			long acceptedBefore = this.server.registry().accepted();
			try (EchoClient denied = from("127.0.0.2"); EchoClient allowed = from("127.0.0.3")) {
				assertThat(denied.readToEnd()).isEmpty();
				assertEchoes(allowed, "served");
			}
			assertThat(this.server.registry().rejected(RejectionReason.DENIED)).isEqualTo(deniedBefore + 1);
			assertThat(this.server.registry().accepted()).as("a refused connection is not accepted")
				.isEqualTo(acceptedBefore + 1);
			assertThat(AdminApi.echo(this.server).at("/connections/rejected").asLong()).isEqualTo(rejectedBefore + 1);
			String scrape = this.server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_connections_rejected_total", "reason=\"denied\""))
				.isEqualTo((double) deniedBefore + 1);
		}

		@Test
		void denyWinsOverAllow() {
			long deniedBefore = this.server.registry().rejected(RejectionReason.DENIED);
			try (EchoClient allowedAndDenied = from("127.0.0.9")) {
				assertThat(allowedAndDenied.readToEnd()).isEmpty();
			}
			assertThat(this.server.registry().rejected(RejectionReason.DENIED)).isEqualTo(deniedBefore + 1);
		}

		@Test
		void anAddressOutsideTheAllowListIsDenied() {
			long deniedBefore = this.server.registry().rejected(RejectionReason.DENIED);
			try (EchoClient outside = from("127.0.0.16"); EchoClient inside = from("127.0.0.7")) {
				assertThat(outside.readToEnd()).isEmpty();
				assertEchoes(inside, "inside");
			}
			assertThat(this.server.registry().rejected(RejectionReason.DENIED)).isEqualTo(deniedBefore + 1);
		}

		@Test
		void theConnectionBeyondThePerClientLimitGetsTheBusyLineAndAPlaceFreesWhenOneLeaves() {
			long perClientBefore = this.server.registry().rejected(RejectionReason.PER_CLIENT);
			try (EchoClient first = from("127.0.0.4"); EchoClient second = from("127.0.0.4")) {
				assertEchoes(first, "1");
				assertEchoes(second, "2");
				try (EchoClient third = from("127.0.0.4")) {
					assertThat(text(third.readToEnd())).isEqualTo(PER_CLIENT_BUSY);
				}
				try (EchoClient otherAddress = from("127.0.0.5")) {
					assertEchoes(otherAddress, "another address is served");
				}
				assertThat(this.server.registry().rejected(RejectionReason.PER_CLIENT)).isEqualTo(perClientBefore + 1);
				assertEchoes(first, "1 again");

				first.close();
				await().atMost(WAIT).until(() -> this.server.registry().openFrom("127.0.0.4") == 1);
				try (EchoClient fourth = from("127.0.0.4")) {
					assertEchoes(fourth, "4");
				}
				assertEchoes(second, "2 again");
			}
			await().atMost(WAIT).until(() -> this.server.registry().openFrom("127.0.0.4") == 0);
			assertThat(this.server.registry().rejected(RejectionReason.PER_CLIENT)).isEqualTo(perClientBefore + 1);
			String scrape = this.server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_connections_rejected_total", "reason=\"per-client\""))
				.isEqualTo((double) perClientBefore + 1);
		}

		/**
		 * 200 connects from a denied address, all opened before any is read so that they come
		 * within a fraction of a second: each is refused and counted, and the log has at most a
		 * line per second for the rule (the first at once, then the count), whose counts add up
		 * to the 200.
		 */
		@Test
		void aFloodOfRefusedConnectsIsAFewLinesWithTheCount() {
			String rule = "from 127.0.0.12/30 (echo.access.deny)";
			long deniedBefore = this.server.registry().rejected(RejectionReason.DENIED);
			try (LogCapture log = LogCapture.start()) {
				List<EchoClient> flood = new ArrayList<>();
				try {
					for (int i = 0; i < 200; i++) {
						flood.add(from("127.0.0.13"));
					}
					for (EchoClient client : flood) {
						assertThat(client.readToEnd()).isEmpty();
					}
				}
				finally {
					flood.forEach(EchoClient::close);
				}
				assertThat(this.server.registry().rejected(RejectionReason.DENIED)).isEqualTo(deniedBefore + 200);
				await().atMost(WAIT).until(() -> refusals(lines(log, rule)) == 200);
				List<ILoggingEvent> lines = lines(log, rule).stream()
					.filter((event) -> event.getLoggerName().endsWith("RefusalLog"))
					.toList();
				assertThat(lines).as("lines for %s", rule).hasSizeBetween(2, 3).allSatisfy((event) -> {
					assertThat(event.getLevel()).isEqualTo(Level.INFO);
					assertThat(event.getFormattedMessage()).contains("127.0.0.13:");
				});
				assertThat(lines.get(lines.size() - 1).getFormattedMessage())
					.matches("Refused \\d+ connections from 127\\.0\\.0\\.12/30 \\(echo\\.access\\.deny\\) in the last "
							+ "\\d+\\.\\d s; last from 127\\.0\\.0\\.13:\\d+");
				log.assertNoErrorsOrStackTraces();
			}
		}

		private EchoClient from(String address) {
			return EchoClient.connectFrom(address, "127.0.0.1", this.server.tcpPort());
		}

	}

	/**
	 * IPv6 where the machine has it: a server on {@code ::} (both families) denies {@code ::1},
	 * and judges an IPv4 client, which reaches it as {@code ::ffff:127.0.0.2}, by the IPv4 rule.
	 */
	@Nested
	class Ipv6 {

		@Test
		void ipv6LoopbackIsDeniedAndAMappedIpv4ClientMatchesItsIpv4Rule() {
			assumeThat(ipv6LoopbackAvailable()).as("the machine has IPv6 loopback").isTrue();
			for (String io : List.of("blocking", "nio")) {
				try (RunningServer server = RunningServer.start("echo.mode=pooled", "echo.io=" + io, "echo.address=::",
						"echo.access.deny=::1,127.0.0.2")) {
					int port = server.tcpPort();
					try (EchoClient ipv6 = EchoClient.connectFrom("::1", "::1", port);
							EchoClient mapped = EchoClient.connectFrom("127.0.0.2", "127.0.0.1", port);
							EchoClient other = EchoClient.connectFrom("127.0.0.3", "127.0.0.1", port)) {
						assertThat(ipv6.readToEnd()).as("::1 on %s", io).isEmpty();
						assertThat(mapped.readToEnd()).as("127.0.0.2 on %s", io).isEmpty();
						assertEchoes(other, "served on " + io);
					}
					assertThat(server.registry().rejected(RejectionReason.DENIED)).isEqualTo(2);
				}
			}
		}

		private static boolean ipv6LoopbackAvailable() {
			try (ServerSocket probe = new ServerSocket()) {
				probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
				return true;
			}
			catch (IOException ex) {
				return false;
			}
		}

	}

	private static List<ILoggingEvent> lines(LogCapture log, String rule) {
		return log.events().stream().filter((event) -> event.getFormattedMessage().contains(rule)).toList();
	}

	/** The refusals the log lines stand for: one per first line, the count of each later one. */
	private static long refusals(List<ILoggingEvent> lines) {
		return lines.stream().map(ILoggingEvent::getFormattedMessage).mapToLong((line) -> {
			if (line.startsWith("Refused a connection")) {
				return 1;
			}
			String count = line.substring("Refused ".length(), line.indexOf(' ', "Refused ".length()));
			return Long.parseLong(count);
		}).sum();
	}

}
