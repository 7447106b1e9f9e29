package io.github.echoserver.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.RunningServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The kernel's accept queue and listen drops as {@link ListenQueue} reads them: the parsers on
 * sample text of Linux's {@code /proc/net} files, a listener that accepts nothing, then the admin
 * API and the meters of a running server.
 */
class ListenQueueTests {

	/**
	 * Two listeners (7007 on 127.0.0.1 with 3 queued, 8080 on 0.0.0.0 with none), a connection,
	 * then a listener on 7007 again (which a listener never follows).
	 */
	private static final String TCP = """
			  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
			   0: 0100007F:1B5F 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0
			   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1087 1 0 100 0 0 10 0
			   2: 0100007F:1B5F 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0 20 4 30 10 -1
			   3: 0100007F:1B5F 00000000:0000 0A 00000000:00000007 00:00000000 00000000  1000        0 4444 1 0 100 0 0 10 0
			""";

	/** A listener on :: port 7007 with 1 queued, one on ::ffff:127.0.0.1 port 7008 with 2. */
	private static final String TCP6 = """
			  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
			   0: 00000000000000000000000000000000:1B5F 00000000000000000000000000000000:0000 0A 00000000:00000001 00:00000000 00000000  1000        0 5151 1 0 100 0 0 10 0
			   1: 0000000000000000FFFF00000100007F:1B60 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 5252 1 0 100 0 0 10 0
			""";

	private static final String NETSTAT = """
			TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPHPHits
			TcpExt: 0 0 17 21 12345
			IpExt: InNoRoutes InTruncatedPkts
			IpExt: 0 0
			""";

	/**
	 * The listener on a port and address in the sample tables gives its queue, with the maximum
	 * asked for; none for an address or port no listener has. In {@link #TCP6} the wildcard
	 * {@code ::} matches 0.0.0.0 and an IPv4-mapped address its IPv4 address. Row 3 of
	 * {@link #TCP} lies after a connection's row: the listeners come first, so it is not read.
	 */
	@ParameterizedTest(name = "{0} port {1} on {2}: {3} queued")
	@CsvSource(delimiter = '|', nullValues = "none", textBlock = """
			tcp  | 7007 | 127.0.0.1 | 3
			tcp  | 8080 | 0.0.0.0   | 0
			tcp  | 8080 | 127.0.0.1 | none
			tcp  | 9999 | none      | none
			tcp6 | 7007 | 0.0.0.0   | 1
			tcp6 | 7008 | 127.0.0.1 | 2
			tcp6 | 7008 | ::1       | none
			""")
	void theListenerOnThePortAndAddressGivesTheQueueAndItsMaximum(String table, int port, @Nullable String address,
			@Nullable Integer queued) throws IOException {
		InetAddress bound = (address != null) ? InetAddress.getByName(address) : null;
		ListenQueue.Length expected = (queued != null) ? new ListenQueue.Length(queued, 4096) : null;
		assertThat(ListenQueue.listening(reader(table.equals("tcp6") ? TCP6 : TCP), port, bound, 4096))
			.isEqualTo(expected);
	}

	@Test
	void listenersSharingThePortAreSummed() throws IOException {
		String shared = TCP.lines().limit(2).reduce("", (a, b) -> a + b + "\n")
				+ "   5: 0100007F:1B5F 00000000:0000 0A 00000000:00000005 00:00000000 00000000  1000        0 4545 1 0\n";
		assertThat(ListenQueue.listening(reader(shared), 7007, InetAddress.getByName("127.0.0.1"), 4096))
			.isEqualTo(new ListenQueue.Length(8, 8192));
	}

	@Test
	void tcpExtCountersAreReadByName() {
		Map<String, Long> counters = ListenQueue.tcpExt(NETSTAT);
		assertThat(counters).containsEntry("ListenOverflows", 17L).containsEntry("ListenDrops", 21L);
		assertThat(counters).doesNotContainKey("InNoRoutes");
	}

	@Test
	void aPlatformWithoutTheTablesGivesNoFigures(@TempDir Path empty) {
		ListenQueue queue = new ListenQueue(empty, "127.0.0.1", () -> 7007, 4096);
		assertThat(queue.showsLength()).isFalse();
		assertThat(queue.countsDrops()).isFalse();
		assertThat(queue.length()).isNull();
		assertThat(queue.overflows()).isNull();
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void connectionsNotAcceptedYetAreTheQueueOnLinux() throws IOException {
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		try (ServerSocket listener = new ServerSocket(0, 50, loopback)) {
			ListenQueue queue = new ListenQueue(Path.of("/proc"), "127.0.0.1", listener::getLocalPort, 50);
			assertThat(queue.length()).isEqualTo(new ListenQueue.Length(0, Math.min(50, somaxconn())));
			List<Socket> clients = new ArrayList<>();
			try {
				for (int i = 0; i < 3; i++) {
					clients.add(new Socket(loopback, listener.getLocalPort()));
				}
				ListenQueue.Length three = new ListenQueue.Length(3, Math.min(50, somaxconn()));
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(queue.length()).isEqualTo(three));
				listener.accept().close();
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(queue.length()).extracting(ListenQueue.Length::current)
						.isEqualTo(2));
			}
			finally {
				for (Socket client : clients) {
					client.close();
				}
			}
		}
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void theAdminApiAndTheMetersShowTheListenersQueueOnLinux() throws IOException {
		try (RunningServer server = RunningServer.start("echo.io=nio", "echo.backlog=100")) {
			JsonNode listening = AdminApi.echo(server).path("listening");
			assertThat(listening.path("acceptQueue").isInt()).as("acceptQueue in %s", listening).isTrue();
			assertThat(listening.path("acceptQueue").asInt()).isGreaterThanOrEqualTo(0);
			assertThat(listening.path("acceptQueueMax").asInt()).isEqualTo(Math.min(100, somaxconn()));

			String scrape = server.get("/actuator/prometheus").body();
			assertThat(AdminApi.sample(scrape, "echo_listen_queue", "")).as("echo.listen.queue").isNotNull();
			assertThat(AdminApi.sample(scrape, "echo_listen_overflows_total", "")).as("echo.listen.overflows")
				.isNotNull()
				.isGreaterThanOrEqualTo(0.0);
			assertThat(AdminApi.sample(scrape, "echo_listen_drops_total", "")).as("echo.listen.drops").isNotNull();
		}
	}

	private static int somaxconn() throws IOException {
		try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/net/core/somaxconn"))) {
			return Integer.parseInt(reader.readLine().trim());
		}
	}

	private static BufferedReader reader(String text) {
		return new BufferedReader(new StringReader(text));
	}

}
