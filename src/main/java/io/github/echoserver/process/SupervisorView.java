package io.github.echoserver.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import io.github.echoserver.admin.ConnectionDescriptor;
import io.github.echoserver.admin.EchoDescriptor;
import io.github.echoserver.admin.EchoView;
import io.github.echoserver.admin.ProcessDescriptor;
import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.server.PoolState;

/**
 * The supervisor's {@link EchoView}: every worker is asked at once over its control channel,
 * and the answers are put together. Counts and totals are the sums of the workers that answered
 * (a worker that is restarting has no connections, and its figures start again from zero);
 * {@code processes} has one entry per worker; connections carry their worker's index; closing a
 * connection goes to the worker that has it. No worker holds the view up: one that does not
 * answer within {@link Supervisor#ANSWER_TIMEOUT} (stopped, hung) is marked {@code unresponsive}
 * in its entry and left out of the sums.
 */
class SupervisorView implements EchoView {

	private final Supervisor supervisor;

	SupervisorView(Supervisor supervisor) {
		this.supervisor = supervisor;
	}

	@Override
	public EchoDescriptor describe() {
		List<Worker> workers = this.supervisor.workers();
		List<Answer<EchoDescriptor>> views = answers(workers, ControlProtocol.request(ControlProtocol.DESCRIBE),
				(result) -> ControlProtocol.JSON.treeToValue(result, EchoDescriptor.class), Supervisor.ANSWER_TIMEOUT);
		List<EchoDescriptor> answered = new ArrayList<>();
		List<ProcessDescriptor> processes = new ArrayList<>();
		for (int i = 0; i < workers.size(); i++) {
			Answer<EchoDescriptor> view = views.get(i);
			if (view.value() != null) {
				answered.add(view.value());
			}
			processes.add(workers.get(i).describe(view.value(), view.unresponsive()));
		}
		EchoProperties properties = this.supervisor.properties();
		return new EchoDescriptor(properties.mode().value(), properties.io().value(), properties.framing().value(),
				properties.linesPerConnection(),
				new EchoDescriptor.Listening(properties.address(), this.supervisor.port(), this.supervisor.since()),
				tls(answered),
				new EchoDescriptor.Connections((int) sum(answered, (view) -> view.connections().active()),
						(int) sum(answered, (view) -> view.connections().waiting()),
						sum(answered, (view) -> view.connections().accepted()),
						sum(answered, (view) -> view.connections().closed()),
						sum(answered, (view) -> view.connections().rejected()),
						(int) Math.min(Integer.MAX_VALUE, (long) properties.maxConnections() * workers.size())),
				pool(answered),
				new EchoDescriptor.Traffic(sum(answered, (view) -> view.traffic().linesEchoed()),
						sum(answered, (view) -> view.traffic().bytesIn()),
						sum(answered, (view) -> view.traffic().bytesOut()),
						sum(answered, (view) -> view.traffic().linesDropped())),
				processes);
	}

	@Override
	public List<ConnectionDescriptor> connections() {
		List<Worker> workers = this.supervisor.workers();
		List<Answer<List<ConnectionDescriptor>>> lists = answers(workers,
				ControlProtocol.request(ControlProtocol.CONNECTIONS),
				(result) -> List.of(ControlProtocol.JSON.treeToValue(result, ConnectionDescriptor[].class)),
				Supervisor.LIST_TIMEOUT);
		List<ConnectionDescriptor> all = new ArrayList<>();
		for (int i = 0; i < workers.size(); i++) {
			List<ConnectionDescriptor> list = lists.get(i).value();
			if (list != null) {
				int index = workers.get(i).index();
				list.forEach((connection) -> all.add(connection.inProcess(index)));
			}
		}
		all.sort(Comparator.comparing(ConnectionDescriptor::openedAt));
		return all;
	}

	@Override
	public boolean close(String id) {
		List<Worker> workers = this.supervisor.workers();
		return answers(workers, ControlProtocol.request(ControlProtocol.CLOSE).put(ControlProtocol.CONNECTION, id),
				JsonNode::asBoolean, Supervisor.ANSWER_TIMEOUT)
			.stream()
			.anyMatch((answer) -> Boolean.TRUE.equals(answer.value()));
	}

	/**
	 * Ask every worker the same question at once.
	 * @return each worker's answer in worker order
	 */
	private static <T> List<Answer<T>> answers(List<Worker> workers, ObjectNode question, Function<JsonNode, T> reading,
			Duration timeout) {
		List<CompletableFuture<Answer<T>>> asked = workers.stream()
			.map((worker) -> worker.ask(question.deepCopy(), timeout)
				.thenApply((result) -> new Answer<T>(reading.apply(result), false))
				.exceptionally((failure) -> new Answer<T>(null, timedOut(failure))))
			.toList();
		return asked.stream().map(CompletableFuture::join).toList();
	}

	private static boolean timedOut(Throwable failure) {
		Throwable cause = (failure instanceof CompletionException) ? failure.getCause() : failure;
		return cause instanceof TimeoutException;
	}

	/** The workers' TLS as one: the settings of the first that answered, its counts summed over all. */
	private static EchoDescriptor.@Nullable Tls tls(List<EchoDescriptor> views) {
		List<EchoDescriptor.Tls> all = views.stream().map(EchoDescriptor::tls).filter(Objects::nonNull).toList();
		if (all.isEmpty()) {
			return null;
		}
		EchoDescriptor.Tls first = all.get(0);
		return new EchoDescriptor.Tls(first.bundle(), first.port(), first.only(), first.clientAuth(),
				first.certificateSerial(), all.stream().mapToInt(EchoDescriptor.Tls::active).sum(),
				all.stream().mapToLong(EchoDescriptor.Tls::accepted).sum(),
				new EchoDescriptor.Handshakes(all.stream().mapToLong((tls) -> tls.handshakes().ok()).sum(),
						all.stream().mapToLong((tls) -> tls.handshakes().failed()).sum(),
						all.stream().mapToLong((tls) -> tls.handshakes().timeout()).sum()));
	}

	private static long sum(List<EchoDescriptor> views, ToLongFunction<EchoDescriptor> figure) {
		return views.stream().mapToLong(figure).sum();
	}

	/** The workers' pools as one: each size and count summed; a field no worker has stays null. */
	private static PoolState pool(List<EchoDescriptor> views) {
		List<PoolState> pools = views.stream().map(EchoDescriptor::pool).toList();
		String kind = pools.isEmpty() ? "none" : pools.get(0).kind();
		return new PoolState(kind, sumOf(pools, PoolState::coreSize), sumOf(pools, PoolState::maxSize),
				sumOf(pools, PoolState::poolSize), pools.stream().mapToInt(PoolState::activeThreads).sum(),
				sumOf(pools, PoolState::largestPoolSize), sumOf(pools, PoolState::queued),
				sumOf(pools, PoolState::queueCapacity), pools.stream().mapToLong(PoolState::completedTasks).sum(),
				pools.stream().mapToLong(PoolState::rejectedTasks).sum());
	}

	private static @Nullable Integer sumOf(List<PoolState> pools, Function<PoolState, @Nullable Integer> field) {
		Integer total = null;
		for (PoolState pool : pools) {
			Integer value = field.apply(pool);
			if (value != null) {
				total = ((total != null) ? total : 0) + value;
			}
		}
		return total;
	}

	/**
	 * One worker's answer.
	 * @param value what it said; null when it did not answer
	 * @param unresponsive whether it was asked and said nothing in time
	 */
	private record Answer<T>(@Nullable T value, boolean unresponsive) {
	}

}
