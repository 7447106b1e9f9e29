package io.github.echoserver.process;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * connection goes to the worker that has it.
 */
class SupervisorView implements EchoView {

	private final Supervisor supervisor;

	SupervisorView(Supervisor supervisor) {
		this.supervisor = supervisor;
	}

	@Override
	public EchoDescriptor describe() {
		List<Worker> workers = this.supervisor.workers();
		List<@Nullable EchoDescriptor> views = answers(workers, ControlProtocol.request(ControlProtocol.DESCRIBE),
				(result) -> ControlProtocol.JSON.treeToValue(result, EchoDescriptor.class));
		List<EchoDescriptor> answered = views.stream().filter((view) -> view != null).map((view) -> (EchoDescriptor) view).toList();
		List<ProcessDescriptor> processes = new ArrayList<>();
		for (int i = 0; i < workers.size(); i++) {
			processes.add(workers.get(i).describe(views.get(i)));
		}
		EchoProperties properties = this.supervisor.properties();
		return new EchoDescriptor(properties.mode().value(), properties.io().value(), properties.framing().value(),
				new EchoDescriptor.Listening(properties.address(), this.supervisor.port(), this.supervisor.since()),
				new EchoDescriptor.Connections((int) sum(answered, (view) -> view.connections().active()),
						(int) sum(answered, (view) -> view.connections().waiting()),
						sum(answered, (view) -> view.connections().accepted()),
						sum(answered, (view) -> view.connections().closed()),
						sum(answered, (view) -> view.connections().rejected()),
						(int) Math.min(Integer.MAX_VALUE, (long) properties.maxConnections() * workers.size())),
				pool(answered),
				new EchoDescriptor.Traffic(sum(answered, (view) -> view.traffic().linesEchoed()),
						sum(answered, (view) -> view.traffic().bytesIn()),
						sum(answered, (view) -> view.traffic().bytesOut())),
				processes);
	}

	@Override
	public List<ConnectionDescriptor> connections() {
		List<Worker> workers = this.supervisor.workers();
		List<@Nullable List<ConnectionDescriptor>> lists = answers(workers, ControlProtocol.request(ControlProtocol.CONNECTIONS),
				(result) -> List.of(ControlProtocol.JSON.treeToValue(result, ConnectionDescriptor[].class)));
		List<ConnectionDescriptor> all = new ArrayList<>();
		for (int i = 0; i < workers.size(); i++) {
			List<ConnectionDescriptor> list = lists.get(i);
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
		return answers(workers, ControlProtocol.request(ControlProtocol.CLOSE).put(ControlProtocol.CONNECTION, id), JsonNode::asBoolean)
			.stream()
			.anyMatch(Boolean.TRUE::equals);
	}

	/**
	 * Ask every worker the same question at once.
	 * @return each worker's answer in worker order; null for a worker that did not answer
	 */
	private static <T> List<@Nullable T> answers(List<Worker> workers, ObjectNode question,
			Function<JsonNode, T> reading) {
		List<CompletableFuture<T>> asked = workers.stream()
			.map((worker) -> worker.ask(question.deepCopy(), Supervisor.ANSWER_TIMEOUT).thenApply(reading))
			.toList();
		List<@Nullable T> answers = new ArrayList<>();
		for (CompletableFuture<T> answer : asked) {
			answers.add(answer.exceptionally((failure) -> null).join());
		}
		return answers;
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

}
