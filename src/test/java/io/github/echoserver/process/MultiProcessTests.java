package io.github.echoserver.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import io.github.echoserver.testing.AdminApi;
import io.github.echoserver.testing.DrainLog;
import io.github.echoserver.testing.EchoClient;
import io.github.echoserver.testing.EchoingClients;
import io.github.echoserver.testing.EchoingClients.Outcome;
import io.github.echoserver.testing.FailureReport;
import io.github.echoserver.testing.PipeliningClients;
import io.github.echoserver.testing.RunningServer;
import io.github.echoserver.testing.SupervisorProcess;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.github.echoserver.testing.AdminApi.entryOf;
import static io.github.echoserver.testing.Echoes.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves the multi-process model ({@code echo.processes > 1}) from outside, with real processes
 * and sockets on loopback: a supervisor JVM and its worker JVMs, seen through the admin API,
 * the console, pids and signals. Worker JVMs start slowly on a small machine, so each group of
 * tests shares one supervisor, in order, and every wait on a process is generous.
 */
class MultiProcessTests {

	/** How long a supervisor may take until every worker listens: several JVMs start at once. */
	private static final Duration LISTEN = Duration.ofSeconds(180);

	/** Anything else awaited: far more than it takes. */
	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final Duration POLL = Duration.ofMillis(250);

	private static final int CLIENTS = 300;

	private static final String BYE = "server bye# shutting down";

	/** 143 = 128 + 15: a JVM's status after SIGTERM once its shutdown hooks have run. */
	private static final int SIGTERM_EXIT_STATUS = 143;

	/** 137 = 128 + 9: SIGKILL. */
	private static final int SIGKILL_EXIT_STATUS = 137;

	/** The pid in a supervisor's line about a worker; group 1 the pid. */
	private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

	/**
	 * Three workers, NIO (its pool serves any number of connections): the clients spread over
	 * them, the admin API adds them up and routes to them, a killed worker is replaced without
	 * touching the others' clients, and SIGTERM drains them all. The tests share one supervisor,
	 * brought back to a known state before each (every worker listening, a ready standby, no
	 * connection open; a fresh one if a test stopped it), and count from what it said before
	 * them: none depends on another having run, or not. They run in the order below only so
	 * that the one that stops the supervisor comes last and no second one is started.
	 */
	@Nested
	@TestInstance(Lifecycle.PER_CLASS)
	@TestMethodOrder(OrderAnnotation.class)
	class ThreeWorkers {

		private static final int WORKERS = 3;

		private @Nullable SupervisorProcess supervisor;

		@BeforeEach
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void settledSupervisor() {
			if (this.supervisor != null && !this.supervisor.isAlive()) {
				this.supervisor.close();
				this.supervisor = null;
			}
			if (this.supervisor == null) {
				this.supervisor = SupervisorProcess.start(WORKERS, "echo.io=nio");
				this.supervisor.awaitListening(LISTEN);
			}
			SupervisorProcess settling = this.supervisor;
			awaitAllListening(settling, WORKERS);
			await().atMost(LISTEN).pollInterval(POLL).untilAsserted(() -> {
				assertThat(settling.health().at("/components/echo/details/standby").asString()).isEqualTo("ready");
				assertThat(settling.echo().at("/connections/active").asInt()).as("connections open").isZero();
				assertThat(settling.children()).as("the supervisor's child processes: its workers and its standby")
					.containsExactlyElementsOf(settling.expectedChildren())
					.hasSize(WORKERS + 1);
			});
		}

		@AfterAll
		void stopSupervisor() {
			if (this.supervisor != null) {
				this.supervisor.close();
			}
		}

		/**
		 * 300 clients land on every worker; every line each sends is echoed in order; the
		 * supervisor's figures are the sums of its workers' rows and exactly what the clients
		 * did: connections, lines, bytes, per worker and in total, in {@code /actuator/echo},
		 * {@code /actuator/echo/connections} and the Prometheus scrape.
		 */
		@Test
		@Order(1)
		@Timeout(value = 120, unit = TimeUnit.SECONDS)
		void clientsAreSpreadOverEveryWorkerAndEveryFigureIsTheSumOfTheWorkers() throws Exception {
			JsonNode before = this.supervisor.echo();
			try (EchoingClients clients = new EchoingClients(this.supervisor.tcpPort(), CLIENTS, 4)) {
				clients.awaitReplies((client) -> true, 20, WAIT);
				clients.finish(WAIT);
				List<Outcome> outcomes = clients.outcomes();
				assertThat(outcomes).allSatisfy((client) -> {
					assertThat(client.end()).as("client %s", client).isNull();
					assertThat(client.mismatch()).as("client %s", client).isNull();
					assertThat(client.replies()).as("client %s", client).isEqualTo(client.sent()).isGreaterThanOrEqualTo(20);
				});

				JsonNode connections = this.supervisor.connections();
				Map<Integer, JsonNode> byPort = new HashMap<>();
				connections.forEach((entry) -> byPort.put(entry.at("/remotePort").asInt(), entry));
				assertThat(byPort.keySet()).as("the clients' ports in %s", connections)
					.containsExactlyInAnyOrderElementsOf(outcomes.stream().map(Outcome::localPort).toList());
				for (Outcome client : outcomes) {
					JsonNode entry = byPort.get(client.localPort());
					assertThat(entry.at("/linesEchoed").asLong()).as("%s", entry).isEqualTo(client.replies());
					assertThat(entry.at("/bytesIn").asLong()).as("%s", entry).isEqualTo(client.bytesSent());
					assertThat(entry.at("/bytesOut").asLong()).as("%s", entry).isEqualTo(client.bytesReceived());
				}
				Map<Integer, Long> perWorker = countByWorker(connections);
				assertThat(perWorker.keySet()).as("workers serving the clients").containsExactly(1, 2, 3);

				long lines = outcomes.stream().mapToLong(Outcome::replies).sum();
				JsonNode echo = this.supervisor.echo();
				assertThat(echo.at("/listening/port").asInt()).isEqualTo(this.supervisor.tcpPort());
				assertThat(echo.at("/connections/active").asInt()).isEqualTo(CLIENTS);
				assertThat(grown(before, echo, "/connections/accepted")).isEqualTo(CLIENTS);
				assertThat(grown(before, echo, "/connections/closed")).isZero();
				assertThat(grown(before, echo, "/connections/rejected")).isZero();
				assertThat(grown(before, echo, "/traffic/linesEchoed")).isEqualTo(lines);
				assertThat(grown(before, echo, "/traffic/bytesIn"))
					.isEqualTo(outcomes.stream().mapToLong(Outcome::bytesSent).sum());
				assertThat(grown(before, echo, "/traffic/bytesOut"))
					.isEqualTo(outcomes.stream().mapToLong(Outcome::bytesReceived).sum());

				JsonNode processes = echo.at("/processes");
				assertThat(processes).hasSize(WORKERS);
				long activeSum = 0;
				long linesSum = 0;
				for (int index = 1; index <= WORKERS; index++) {
					JsonNode worker = processes.get(index - 1);
					int k = index;
					long workerLines = outcomes.stream()
						.filter((client) -> byPort.get(client.localPort()).at("/process").asInt() == k)
						.mapToLong(Outcome::replies)
						.sum();
					JsonNode workerBefore = before.at("/processes").get(index - 1);
					assertThat(worker.at("/index").asInt()).isEqualTo(index);
					assertThat(worker.at("/state").asString()).as("%s", worker).isEqualTo("listening");
					assertThat(worker.at("/unresponsive").asBoolean()).as("%s", worker).isFalse();
					assertThat(worker.at("/pid").asLong()).as("%s", worker).isEqualTo(workerBefore.at("/pid").asLong());
					assertThat(grown(workerBefore, worker, "/restarts")).as("%s", worker).isZero();
					assertThat(worker.at("/connections").asLong()).as("%s", worker).isEqualTo(perWorker.get(index));
					assertThat(grown(workerBefore, worker, "/lines")).as("%s", worker).isEqualTo(workerLines);
					activeSum += worker.at("/connections").asLong();
					linesSum += worker.at("/lines").asLong();
				}
				assertThat(activeSum).isEqualTo(echo.at("/connections/active").asLong());
				assertThat(linesSum).isEqualTo(echo.at("/traffic/linesEchoed").asLong());
				assertThat(this.supervisor.children()).as("the supervisor's child processes: its workers and its standby")
					.containsExactlyElementsOf(this.supervisor.expectedChildren())
					.hasSize(WORKERS + 1);

				// The meters are refreshed from the workers every second.
				await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
					String scrape = this.supervisor.prometheus();
					for (int index = 1; index <= WORKERS; index++) {
						JsonNode worker = processes.get(index - 1);
						String process = "process=\"" + index + "\"";
						assertThat(AdminApi.sample(scrape, "echo_lines_total", process)).as(process)
							.isEqualTo(worker.at("/lines").asDouble());
						assertThat(AdminApi.sample(scrape, "echo_connections_active", process)).as(process)
							.isEqualTo(worker.at("/connections").asDouble());
					}
				});
			}
		}

		/**
		 * {@code DELETE /actuator/echo/connections/{id}} on the supervisor closes the connection
		 * in whichever worker has it: that client alone gets
		 * {@code server bye# closed by administrator} and the end of the stream, on each of the
		 * three workers; an id no worker has answers 404.
		 */
		@Test
		@Order(2)
		@Timeout(value = 90, unit = TimeUnit.SECONDS)
		void deleteClosesTheConnectionInTheWorkerThatHasItAndAnUnknownIdIsNotFound() {
			List<EchoClient> clients = new ArrayList<>();
			try {
				JsonNode connections = null;
				Map<Integer, EchoClient> onePerWorker = new TreeMap<>();
				for (int i = 0; i < 100 && onePerWorker.size() < WORKERS; i++) {
					EchoClient client = EchoClient.connect(this.supervisor.tcpPort());
					clients.add(client);
					assertEchoes(client, "before " + i);
					if (i % 10 == 9) {
						connections = this.supervisor.connections();
						for (EchoClient each : clients) {
							onePerWorker.putIfAbsent(entryOf(connections, each).at("/process").asInt(), each);
						}
					}
				}
				assertThat(onePerWorker.keySet()).as("workers with a client among %d", clients.size())
					.containsExactly(1, 2, 3);

				for (EchoClient client : onePerWorker.values()) {
					String id = entryOf(connections, client).at("/id").asString();
					String path = "/actuator/echo/connections/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
					assertThat(this.supervisor.delete(path).statusCode()).as("DELETE %s", id).isEqualTo(204);
					assertThat(client.readLine()).isEqualTo("server bye# closed by administrator");
					assertThat(client.isClosedByServer()).isTrue();
					assertThat(this.supervisor.delete(path).statusCode()).as("DELETE %s again", id).isEqualTo(404);
				}
				String unknown = URLEncoder.encode("127.0.0.1:1:2:no-such-connection", StandardCharsets.UTF_8);
				assertThat(this.supervisor.delete("/actuator/echo/connections/" + unknown).statusCode()).isEqualTo(404);

				List<EchoClient> others = clients.stream().filter((client) -> !onePerWorker.containsValue(client)).toList();
				for (EchoClient client : others) {
					assertEchoes(client, "after");
				}
				Set<Integer> closedPorts = onePerWorker.values().stream().map(EchoClient::localPort).collect(Collectors.toSet());
				await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
					Set<Integer> listed = new HashSet<>();
					this.supervisor.connections().forEach((entry) -> listed.add(entry.at("/remotePort").asInt()));
					assertThat(listed).doesNotContainAnyElementsOf(closedPorts)
						.containsAll(others.stream().map(EchoClient::localPort).toList());
				});
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}

		/**
		 * A worker's refusals and errors reach the supervisor's meters under its own
		 * {@code process} tag: a line too long, sent to whichever worker serves the client, is
		 * counted for that worker only.
		 */
		@Test
		@Order(3)
		@Timeout(value = 90, unit = TimeUnit.SECONDS)
		void aWorkersErrorsAreCountedUnderItsProcessTag() {
			String before = this.supervisor.prometheus();
			int worker;
			try (EchoClient client = EchoClient.connect(this.supervisor.tcpPort())) {
				assertEchoes(client, "first");
				worker = entryOf(this.supervisor.connections(), client).at("/process").asInt();
				client.send("x".repeat(8193) + "\n");
				assertThat(client.readLine()).isEqualTo("server error# line too long (max 8192 bytes)");
				assertThat(client.isClosedByServer()).isTrue();
			}
			await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
				String scrape = this.supervisor.prometheus();
				for (int index = 1; index <= WORKERS; index++) {
					String process = "process=\"" + index + "\"";
					String errors = process + ",type=\"line-too-long\"";
					assertThat(AdminApi.sample(scrape, "echo_errors_total", errors) - AdminApi.sample(before, "echo_errors_total", errors))
						.as("line-too-long errors of worker %d", index)
						.isEqualTo((index == worker) ? 1.0 : 0.0);
					String refusals = process + ",reason=\"too-many-connections\"";
					assertThat(AdminApi.sample(scrape, "echo_connections_rejected_total", refusals)
							- AdminApi.sample(before, "echo_connections_rejected_total", refusals))
						.as("refusals of worker %d", index)
						.isEqualTo(0.0);
				}
			});
		}

		/**
		 * {@code kill -9} of one worker while 300 clients echo: only that worker's clients are
		 * ended (end of stream or reset); every other client keeps being served and loses no
		 * line. The supervisor starts a new process in its place, which listens and serves new
		 * connections, and counts the restart in the admin API and the meters.
		 */
		@Test
		@Order(4)
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void killingOneWorkerEndsOnlyItsClientsAndANewProcessTakesItsPlace() throws Exception {
			int victim = 2;
			JsonNode processesBefore = this.supervisor.echo().at("/processes");
			String scrapeBefore = this.supervisor.prometheus();
			long killed = this.supervisor.workerPids().get(victim);
			try (EchoingClients clients = new EchoingClients(this.supervisor.tcpPort(), CLIENTS, 4)) {
				clients.awaitReplies((client) -> true, 10, WAIT);
				Map<Integer, Integer> workerOf = new HashMap<>();
				this.supervisor.connections()
					.forEach((entry) -> workerOf.put(entry.at("/remotePort").asInt(), entry.at("/process").asInt()));
				List<Outcome> before = clients.outcomes();
				assertThat(before).allSatisfy((client) -> assertThat(workerOf).containsKey(client.localPort()));
				Set<Integer> victims = before.stream()
					.map(Outcome::localPort)
					.filter((port) -> workerOf.get(port) == victim)
					.collect(Collectors.toSet());
				assertThat(victims).as("clients of worker %d", victim).isNotEmpty().hasSizeLessThan(CLIENTS);

				this.supervisor.killWorker(killed);
				Map<Integer, Integer> repliesAtKill = new HashMap<>();
				clients.outcomes().forEach((client) -> repliesAtKill.put(client.id(), client.replies()));
				clients.awaitEnded((client) -> victims.contains(client.localPort()), WAIT);
				// The others carry on, served as before.
				await().atMost(WAIT).until(() -> clients.outcomes()
					.stream()
					.filter((client) -> !victims.contains(client.localPort()))
					.allMatch((client) -> client.replies() >= repliesAtKill.get(client.id()) + 10 || client.ended()));
				clients.finish(WAIT);

				List<Outcome> outcomes = clients.outcomes();
				assertThat(outcomes.stream().filter((client) -> victims.contains(client.localPort()))).allSatisfy((client) -> {
					assertThat(client.end()).as("client of the killed worker %s", client).isIn("eof", "reset");
					assertThat(client.mismatch()).as("client of the killed worker %s", client).isNull();
				});
				assertThat(outcomes.stream().filter((client) -> !victims.contains(client.localPort()))).allSatisfy((client) -> {
					assertThat(client.end()).as("client of another worker %s", client).isNull();
					assertThat(client.mismatch()).as("client of another worker %s", client).isNull();
					assertThat(client.replies()).as("client of another worker %s", client)
						.isEqualTo(client.sent())
						.isGreaterThanOrEqualTo(repliesAtKill.get(client.id()) + 10);
				});
				System.out.printf("MultiProcessTests: worker %d (pid %d) killed under %d clients; %d of them were its own%n",
						victim, killed, CLIENTS, victims.size());
			}

			awaitReplaced(this.supervisor, victim, killed);
			long replacement = this.supervisor.workerPids().get(victim);
			assertThat(ProcessHandle.of(killed).filter(ProcessHandle::isAlive)).as("the killed worker").isEmpty();
			await().atMost(WAIT).untilAsserted(() -> assertThat(this.supervisor.ownLines())
				.anyMatch((line) -> line.contains("Worker " + victim + " (pid " + killed + ") exited with status "
						+ SIGKILL_EXIT_STATUS + " (SIGKILL); replacing it"))
				.anyMatch((line) -> line.contains("Worker " + victim + " listening again (pid " + replacement + "), ")));
			await().atMost(WAIT).untilAsserted(() -> assertThat(this.supervisor.children())
				.as("the supervisor's child processes: its workers and its standby")
				.containsExactlyElementsOf(this.supervisor.expectedChildren())
				.contains(replacement)
				.doesNotContain(killed));

			assertANewConnectionLandsOn(this.supervisor, victim);

			JsonNode processes = this.supervisor.echo().at("/processes");
			for (int index = 1; index <= WORKERS; index++) {
				assertThat(grown(processesBefore.get(index - 1), processes.get(index - 1), "/restarts"))
					.as("restarts of worker %d", index)
					.isEqualTo((index == victim) ? 1 : 0);
			}
			await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
				String scrape = this.supervisor.prometheus();
				for (int index = 1; index <= WORKERS; index++) {
					String process = "process=\"" + index + "\"";
					assertThat(AdminApi.sample(scrape, "echo_processes_restarts_total", process)
							- AdminApi.sample(scrapeBefore, "echo_processes_restarts_total", process))
						.as("echo_processes_restarts_total of worker %d", index)
						.isEqualTo((index == victim) ? 1.0 : 0.0);
				}
			});
		}

		/**
		 * A worker stopped with SIGSTOP keeps its listening socket, and with it its share of new
		 * connections, but answers nothing. Meanwhile {@code GET /actuator/echo} does not wait
		 * for it: it answers within a second or so, with that worker marked {@code unresponsive}
		 * and left out of the sums. The supervisor kills it once it has been silent for
		 * {@code UNRESPONSIVE_AFTER} (10 s) and puts another process in its place, which serves.
		 */
		@Test
		@Order(5)
		@Timeout(value = 180, unit = TimeUnit.SECONDS)
		void aWorkerThatStopsAnsweringIsMarkedUnresponsiveThenKilledAndReplaced() {
			int victim = 3;
			long restartsBefore = this.supervisor.echo().at("/processes").get(victim - 1).at("/restarts").asLong();
			List<EchoClient> clients = new ArrayList<>();
			try {
				Map<Integer, Integer> perWorker = new TreeMap<>();
				for (int i = 0; i < 60 && perWorker.size() < WORKERS; i++) {
					EchoClient client = EchoClient.connect(this.supervisor.tcpPort());
					clients.add(client);
					assertEchoes(client, "before " + i);
					perWorker.merge(entryOf(this.supervisor.connections(), client).at("/process").asInt(), 1, Integer::sum);
				}
				assertThat(perWorker.keySet()).as("workers with a client").containsExactly(1, 2, 3);
				long stopped = this.supervisor.workerPids().get(victim);
				this.supervisor.stopWorker(stopped);

				JsonNode echo = AdminApi.json(this.supervisor.get("/actuator/echo", Duration.ofSeconds(3)));
				JsonNode silent = echo.at("/processes").get(victim - 1);
				assertThat(silent.at("/unresponsive").asBoolean()).as("%s", silent).isTrue();
				assertThat(silent.at("/connections").isNull()).as("%s", silent).isTrue();
				assertThat(silent.at("/pid").asLong()).as("%s", silent).isEqualTo(stopped);
				for (int index = 1; index < victim; index++) {
					JsonNode worker = echo.at("/processes").get(index - 1);
					assertThat(worker.at("/unresponsive").asBoolean()).as("%s", worker).isFalse();
					assertThat(worker.at("/connections").asInt()).as("%s", worker).isEqualTo(perWorker.get(index));
				}
				assertThat(echo.at("/connections/active").asInt()).as("the sum of the workers that answered")
					.isEqualTo(clients.size() - perWorker.get(victim));
				awaitReplacedAfterSilence(victim, stopped, restartsBefore);
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}

		private void awaitReplacedAfterSilence(int victim, long stopped, long restartsBefore) {
			awaitReplaced(this.supervisor, victim, stopped);
			await().atMost(WAIT).untilAsserted(() -> assertThat(this.supervisor.ownLines())
				.anyMatch((line) -> line.contains("Worker " + victim + " (pid " + stopped + ") has not answered for ")
						&& line.contains("(stopped or hung); killing it"))
				.anyMatch((line) -> line.contains("Worker " + victim + " (pid " + stopped + ") exited with status "
						+ SIGKILL_EXIT_STATUS + " (SIGKILL); replacing it")));
			await().atMost(WAIT).until(() -> ProcessHandle.of(stopped).filter(ProcessHandle::isAlive).isEmpty());
			assertThat(this.supervisor.echo().at("/processes").get(victim - 1).at("/restarts").asLong())
				.isEqualTo(restartsBefore + 1);
			assertANewConnectionLandsOn(this.supervisor, victim);
		}

		/**
		 * A standby stopped with SIGSTOP (alive, silent) then a dead worker: the stopped standby
		 * does not become a worker that never listens. It is killed, the worker gets a process
		 * that listens and serves, and a new standby gets ready.
		 */
		@Test
		@Order(6)
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void aStoppedStandbyIsKilledAndTheDeadWorkerStillGetsAProcessThatListens() {
			int victim = 1;
			Long standby = this.supervisor.standbyPid();
			assertThat(standby).as("the standby's pid").isNotNull();
			long killed = this.supervisor.workerPids().get(victim);
			this.supervisor.stopWorker(standby);
			this.supervisor.killWorker(killed);

			awaitReplaced(this.supervisor, victim, killed);
			await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> assertThat(ProcessHandle.of(standby)
				.filter(ProcessHandle::isAlive)).as("the stopped standby, pid %d", standby).isEmpty());
			assertANewConnectionLandsOn(this.supervisor, victim);
			await().atMost(LISTEN).pollInterval(POLL).untilAsserted(() -> {
				JsonNode health = this.supervisor.health();
				assertThat(health.at("/components/echo/details/standby").asString()).isEqualTo("ready");
				assertThat(health.at("/components/echo/details/standbyPid").asLong()).isNotEqualTo(standby);
				assertThat(health.at("/components/echo/details/listening").asInt()).isEqualTo(WORKERS);
			});
		}

		/**
		 * SIGTERM to the supervisor while 300 clients pipeline lines over the three workers:
		 * every worker drains, so every client gets the replies to a gap-free prefix of its
		 * lines, then {@code server bye# shutting down}, then the end of the stream; the
		 * supervisor reports each worker's exit status and exits with 143, and no worker is left.
		 */
		@Test
		@Order(7)
		@Timeout(value = 180, unit = TimeUnit.SECONDS)
		void sigtermDrainsEveryWorkerUnderLoadAndTheSupervisorExitsWith143() throws Exception {
			List<Long> workers = this.supervisor.children();
			assertThat(workers).as("workers and the standby").hasSize(WORKERS + 1);
			try (PipeliningClients clients = new PipeliningClients(this.supervisor.tcpPort(), CLIENTS, 16, 10,
					(BYE + "\r\n").getBytes(StandardCharsets.UTF_8))) {
				await().atMost(WAIT).until(() -> clients.served() == CLIENTS);
				JsonNode processes = this.supervisor.echo().at("/processes");
				for (JsonNode worker : processes) {
					assertThat(worker.at("/connections").asInt()).as("clients of %s", worker).isPositive();
				}

				this.supervisor.terminate();
				int status = this.supervisor.awaitExit(WAIT);
				clients.awaitAllEnded(WAIT);
				System.out.printf("MultiProcessTests: SIGTERM to the supervisor under load: exit status %d; %s%n", status,
						clients.summary());
				assertThat(status).as("exit status").isEqualTo(SIGTERM_EXIT_STATUS);
				clients.assertEachGotAPrefixOfItsLinesThenBye();
			}
			assertThat(this.supervisor.ownLines())
				.anyMatch((line) -> line.contains("Stopping " + WORKERS + " worker processes and the standby"));
			assertThat(this.supervisor.ownLines()).anyMatch((line) -> Pattern
				.compile("Stopped " + WORKERS
						+ " worker processes and the standby in \\d+ ms \\(exit status 1: 143, 2: 143, 3: 143, standby: 143\\)")
				.matcher(line)
				.find());
			assertThat(workers).allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
				.as("worker pid %d", pid)
				.isEmpty());
			assertThat(this.supervisor.liveWorkerPids()).as("workers still alive").isEmpty();
			assertThat(this.supervisor.lines()).noneMatch((line) -> line.contains(DrainLog.TIMED_OUT));
			assertEveryWorkersDrainIsRelayedBeforeTheSupervisorsLastLines();
		}

		/**
		 * Each worker's own lines about its drain are relayed to the supervisor's console before
		 * the supervisor's last lines, and they account for every client.
		 */
		private void assertEveryWorkersDrainIsRelayedBeforeTheSupervisorsLastLines() {
			List<String> lines = this.supervisor.lines();
			int stopped = indexOf(lines, "Stopped " + WORKERS + " worker processes");
			assertThat(stopped).isPositive();
			int drained = 0;
			Set<String> pids = new HashSet<>();
			for (String line : lines.subList(0, stopped)) {
				Matcher matcher = DrainLog.DRAINED.matcher(line);
				if (matcher.find()) {
					drained += Integer.parseInt(matcher.group(1));
					pids.add(line.split("\\s+")[2]);
				}
			}
			assertThat(pids).as("workers that said they drained").hasSize(WORKERS);
			assertThat(drained).as("connections the workers drained").isEqualTo(CLIENTS);
		}

	}

	/**
	 * Two workers, the second of which cannot bind the port: a port held by the test, given by
	 * {@link TakenPortForWorker} to that worker's processes (from a chosen start on) and, if the
	 * test says so, to the standby.
	 */
	@Nested
	class WorkerCannotBind {

		/**
		 * At its first start: the worker exits with its failure instead of waiting for its
		 * supervisor, and the supervisor stops at once with one line naming the worker and its
		 * reason, and no worker is left.
		 */
		@Test
		@Timeout(value = 180, unit = TimeUnit.SECONDS)
		void atItsFirstStartTheSupervisorStopsWithTheWorkersReasonInOneLine() throws IOException {
			try (ServerSocket taken = takenPort();
					SupervisorProcess supervisor = startWithWorker2OnTakenPort(taken, 0, false)) {
				assertThat(supervisor.awaitExit(WAIT)).as("exit status").isEqualTo(1);
				assertThat(failureDescription(supervisor.output()))
					.startsWith("Worker 2 failed to start (status 1): Cannot listen on 127.0.0.1:" + taken.getLocalPort());
				assertThat(supervisor.seenWorkerPids()).as("workers started").hasSize(2);
				assertThat(supervisor.liveWorkerPids()).as("workers still alive").isEmpty();
			}
		}

		/**
		 * At every start after its first, and as the standby (a crash loop): the worker, once
		 * killed, dies again at every restart, promoted standby or new process, and is given up
		 * while the first one serves on.
		 * <p>
		 * A worker that dies 5 times within 60 s is not restarted again: its entry says
		 * {@code failed} with 4 restarts and no pid, none of its processes is alive (and none is
		 * started later), the {@code echo} health component is DOWN with a reason naming it, the
		 * restarts are in the meters, and the other worker still echoes.
		 */
		@Test
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void aWorkerThatDiesFiveTimesWithinAMinuteIsGivenUpAndHealthGoesDown() throws IOException {
			try (ServerSocket taken = takenPort();
					SupervisorProcess supervisor = startWithWorker2OnTakenPort(taken, 1, true)) {
				supervisor.awaitListening(LISTEN);
				Map<Integer, Long> pids = supervisor.workerPids();
				long survivor = pids.get(1);
				supervisor.killWorker(pids.get(2));

				await().atMost(LISTEN).pollInterval(POLL)
					.until(() -> supervisor.echo().at("/processes").get(1).at("/state").asString().equals("failed"));
				JsonNode processes = supervisor.echo().at("/processes");
				assertThat(processes.get(1).at("/restarts").asInt()).as("%s", processes.get(1)).isEqualTo(4);
				assertThat(processes.get(1).at("/pid").isNull()).as("%s", processes.get(1)).isTrue();
				assertThat(processes.get(0).at("/state").asString()).as("%s", processes.get(0)).isEqualTo("listening");
				assertThat(processes.get(0).at("/pid").asLong()).isEqualTo(survivor);
				assertThat(processes.get(0).at("/restarts").asInt()).isZero();

				JsonNode health = supervisor.health();
				assertThat(health.at("/status").asString()).isEqualTo("DOWN");
				assertThat(health.at("/components/echo/status").asString()).isEqualTo("DOWN");
				assertThat(health.at("/components/echo/details/reason").asString())
					.startsWith("worker 2 died 5 times within 60 s");
				assertThat(health.at("/components/echo/details/processes").asInt()).isEqualTo(2);
				assertThat(health.at("/components/echo/details/listening").asInt()).isEqualTo(1);

				// Logged right after the state changed: awaited, as the console is read on a thread of its own.
				await().atMost(WAIT).until(() -> supervisor.linesContaining("not restarted again").size() == 1);
				List<String> deaths = supervisor.ownLines()
					.stream()
					.filter((line) -> line.contains("Worker 2 (pid "))
					.toList();
				assertThat(deaths).as("deaths of worker 2 logged").hasSize(5);
				assertThat(deaths.subList(0, 4)).allSatisfy((line) -> assertThat(line).contains("; replacing it"));
				assertThat(deaths.get(4)).contains(" ERROR ")
					.containsPattern("Worker 2 \\(pid \\d+\\) failed to start with status 1: .*"
							+ taken.getLocalPort() + ".*; it died 5 times within 60 s, so it is not restarted again$");
				List<Long> dead = deaths.stream().map(MultiProcessTests::pidIn).toList();
				assertThat(dead).as("the processes of worker 2").doesNotHaveDuplicates()
					.allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
						.as("worker 2's pid %d", pid)
						.isEmpty());

				// No process for it now, nor later.
				await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(20)).pollInterval(POLL).until(() -> {
					JsonNode worker = supervisor.echo().at("/processes").get(1);
					return worker.at("/state").asString().equals("failed") && worker.at("/restarts").asInt() == 4
							&& supervisor.children().equals(supervisor.expectedChildren())
							&& supervisor.workerPids().equals(Map.of(1, survivor));
				});
				Long standby = supervisor.standbyPid();
				assertThat(supervisor.liveWorkerPids().stream().filter((pid) -> !pid.equals(standby)))
					.as("live processes but the standby")
					.containsExactly(survivor);

				String scrape = supervisor.prometheus();
				assertThat(AdminApi.sample(scrape, "echo_processes_restarts_total", "process=\"2\"")).isEqualTo(4.0);
				assertThat(AdminApi.sample(scrape, "echo_processes_restarts_total", "process=\"1\"")).isEqualTo(0.0);

				try (EchoClient client = EchoClient.connect(supervisor.tcpPort())) {
					assertEchoes(client, "still served");
					assertThat(entryOf(supervisor.connections(), client).at("/process").asInt()).isEqualTo(1);
				}
			}
		}

	}

	/**
	 * Without the standby ({@code echo.standby-process: false}) a dead worker's place is taken by
	 * a process started then: it takes a JVM's start, and then listens and serves like the first.
	 */
	@Nested
	class WithoutStandby {

		@Test
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void aDeadWorkerIsReplacedByANewProcess() {
			try (SupervisorProcess supervisor = SupervisorProcess.start(2, "echo.standby-process=false")) {
				supervisor.awaitListening(LISTEN);
				assertThat(supervisor.health().at("/components/echo/details/standby").asString()).isEqualTo("off");
				assertThat(supervisor.standbyPid()).isNull();
				Map<Integer, Long> pids = supervisor.workerPids();
				assertThat(supervisor.children()).as("the supervisor's child processes: its workers only")
					.containsExactlyInAnyOrderElementsOf(pids.values());

				long killed = pids.get(1);
				supervisor.killWorker(killed);
				awaitReplaced(supervisor, 1, killed);
				long replacement = supervisor.workerPids().get(1);
				await().atMost(WAIT).untilAsserted(() -> assertThat(supervisor.ownLines())
					.anyMatch((line) -> line.contains("Worker 1 (pid " + killed + ") exited with status "
							+ SIGKILL_EXIT_STATUS + " (SIGKILL); replacing it"))
					.anyMatch((line) -> line.contains("Worker 1 listening again (pid " + replacement + "), "))
					.noneMatch((line) -> line.contains("takes its place")));
				assertThat(supervisor.echo().at("/processes").get(0).at("/restarts").asInt()).isEqualTo(1);
				assertThat(supervisor.children()).containsExactlyInAnyOrder(replacement, pids.get(2));
				assertANewConnectionLandsOn(supervisor, 1);
			}
		}

	}

	/**
	 * {@code kill -9} of a supervisor of two workers, each with a client: it cannot stop its
	 * workers, yet each one leaves on its own (its control channel closes), draining its
	 * clients, and the port is free again for a socket without {@code SO_REUSEPORT}.
	 */
	@Nested
	class SupervisorKilled {

		@Test
		@Timeout(value = 300, unit = TimeUnit.SECONDS)
		void everyWorkerLeavesDrainingItsClientsAndThePortIsFreeAgain() {
			List<EchoClient> clients = new ArrayList<>();
			try (SupervisorProcess supervisor = SupervisorProcess.start(2)) {
				supervisor.awaitListening(LISTEN);
				int port = supervisor.tcpPort();
				List<Long> workers = supervisor.children();
				assertThat(workers).as("the supervisor's child processes: its workers and its standby")
					.containsExactlyElementsOf(supervisor.expectedChildren())
					.hasSize(3);
				Set<Integer> served = new TreeSet<>();
				for (int i = 0; i < 40 && served.size() < 2; i++) {
					EchoClient client = EchoClient.connect(port);
					clients.add(client);
					assertEchoes(client, "before " + i);
					served.add(entryOf(supervisor.connections(), client).at("/process").asInt());
				}
				assertThat(served).as("workers with a client").containsExactly(1, 2);

				supervisor.kill();
				assertThat(supervisor.awaitExit(WAIT)).as("exit status").isEqualTo(SIGKILL_EXIT_STATUS);
				for (EchoClient client : clients) {
					client.readTimeout(WAIT);
					assertThat(client.readLine()).isEqualTo(BYE);
					assertThat(client.isClosedByServer()).isTrue();
				}
				await().atMost(WAIT).pollInterval(POLL).untilAsserted(() -> assertThat(workers)
					.allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
						.as("worker pid %d", pid)
						.isEmpty()));
				assertThat(supervisor.liveWorkerPids()).isEmpty();
				await().atMost(WAIT).pollInterval(POLL).until(() -> canBind(port));
			}
			finally {
				clients.forEach(EchoClient::close);
			}
		}

	}

	/** A supervisor that cannot start says why in one line, and starts no worker. */
	@Nested
	@ExtendWith(OutputCaptureExtension.class)
	class StartupErrors {

		/** {@code echo.processes} outside 1..64 stops startup with one line naming it. */
		@ParameterizedTest(name = "echo.processes={0}")
		@ValueSource(ints = { 0, 65 })
		void processesOutOfRangeStopStartupWithOneLine(int processes, CapturedOutput output) {
			RunningServer.failToStart("echo.processes=" + processes);
			assertThat(failureDescription(output.toString()))
				.isEqualTo("Invalid value '" + processes + "' for echo.processes: a whole number from 1 to 64");
			assertThat(output.toString()).doesNotContain("worker processes for");
		}

		/**
		 * A port some other socket holds (without {@code SO_REUSEPORT}, so the workers cannot
		 * share it) stops the supervisor before any worker starts, with the single-process
		 * one-line error and exit status 1.
		 */
		@Test
		@Timeout(value = 120, unit = TimeUnit.SECONDS)
		void portHeldByAnotherSocketStopsTheSupervisorWithOneLineAndStatus1() throws IOException {
			try (ServerSocket taken = takenPort();
					SupervisorProcess supervisor = SupervisorProcess.start(2, "echo.port=" + taken.getLocalPort())) {
				int port = taken.getLocalPort();
				assertThat(supervisor.awaitExit(WAIT)).as("exit status").isEqualTo(1);
				assertThat(failureDescription(supervisor.output())).startsWith("Cannot listen on 127.0.0.1:" + port + ": ")
					.contains("in use");
				assertThat(supervisor.linesContaining("worker processes for")).isEmpty();
				assertThat(supervisor.seenWorkerPids()).as("workers started").isEmpty();
				assertThat(taken.isClosed()).isFalse();
			}
		}

	}

	/** New connections until one lands on worker {@code index}, which must echo it. */
	private static void assertANewConnectionLandsOn(SupervisorProcess supervisor, int index) {
		List<EchoClient> clients = new ArrayList<>();
		try {
			boolean landed = false;
			for (int attempt = 0; attempt < 10 && !landed; attempt++) {
				List<EchoClient> batch = new ArrayList<>();
				for (int i = 0; i < 10; i++) {
					EchoClient client = EchoClient.connect(supervisor.tcpPort());
					clients.add(client);
					batch.add(client);
					assertEchoes(client, "new " + attempt + " " + i);
				}
				JsonNode connections = supervisor.connections();
				landed = batch.stream().anyMatch((client) -> entryOf(connections, client).at("/process").asInt() == index);
			}
			assertThat(landed).as("one of %d new connections served by worker %d", clients.size(), index).isTrue();
		}
		finally {
			clients.forEach(EchoClient::close);
		}
	}

	/**
	 * Wait until the supervisor reports worker {@code index} listening again in a process other
	 * than {@code pid}, the one it had.
	 */
	private static void awaitReplaced(SupervisorProcess supervisor, int index, long pid) {
		await().atMost(LISTEN).pollInterval(POLL).until(() -> {
			JsonNode worker = supervisor.echo().at("/processes").get(index - 1);
			return worker.at("/state").asString().equals("listening") && worker.at("/pid").asLong() != pid;
		});
	}

	/** Wait until the supervisor reports all its {@code workers} listening. */
	private static void awaitAllListening(SupervisorProcess supervisor, int workers) {
		await().atMost(LISTEN).pollInterval(POLL).until(() -> {
			JsonNode processes = supervisor.echo().at("/processes");
			int listening = 0;
			for (JsonNode worker : processes) {
				listening += worker.at("/state").asString().equals("listening") ? 1 : 0;
			}
			return listening == workers;
		});
	}

	/** How much the figure at {@code path} grew from {@code before} to {@code after}. */
	private static long grown(JsonNode before, JsonNode after, String path) {
		return after.at(path).asLong() - before.at(path).asLong();
	}

	/** The pid in a supervisor's line about a worker, e.g. {@code Worker 2 (pid 4242) exited ...}. */
	private static long pidIn(String line) {
		Matcher matcher = PID.matcher(line);
		assertThat(matcher.find()).as("a pid in %s", line).isTrue();
		return Long.parseLong(matcher.group(1));
	}

	/** Connections per worker index in a connections document. */
	private static Map<Integer, Long> countByWorker(JsonNode connections) {
		Map<Integer, Long> counts = new TreeMap<>();
		connections.forEach((entry) -> counts.merge(entry.at("/process").asInt(), 1L, Long::sum));
		return counts;
	}

	/** Whether a plain server socket (no {@code SO_REUSEPORT}) can bind 127.0.0.1:{@code port}. */
	private static boolean canBind(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.bind(new InetSocketAddress("127.0.0.1", port));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** A loopback port held by the test, which no socket without {@code SO_REUSEPORT} can bind. */
	private static ServerSocket takenPort() throws IOException {
		return new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
	}

	/**
	 * A supervisor of two workers whose second worker gets {@code taken}'s port from its start
	 * {@code fromStart} on, and the standby too if {@code standby}, through {@link TakenPortForWorker}.
	 */
	private static SupervisorProcess startWithWorker2OnTakenPort(ServerSocket taken, int fromStart, boolean standby) {
		return SupervisorProcess.start(2, TakenPortForWorker.arguments(taken.getLocalPort(), 2, fromStart, standby));
	}

	private static int indexOf(List<String> lines, String text) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(text)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * The description of the last Spring Boot failure report in {@code output}: the text between
	 * {@code Description:} and {@code Action:}, which must be one line.
	 */
	private static String failureDescription(String output) {
		String description = FailureReport.lastIn(output).description();
		assertThat(description.lines()).as("the failure's description").hasSize(1);
		return description;
	}

}
