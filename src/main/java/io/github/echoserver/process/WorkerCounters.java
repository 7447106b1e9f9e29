package io.github.echoserver.process;

import java.util.Map;
import java.util.TreeMap;

import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.Ending;
import io.github.echoserver.connections.ErrorType;
import io.github.echoserver.connections.RejectionReason;

/**
 * A worker's counters that {@code GET /actuator/echo} does not carry, for the supervisor's
 * meters: refused connections by reason, connections closed for an error by type, and closed
 * connections by reason, each keyed by its metric tag.
 *
 * @param rejected {@code echo.connections.rejected} by {@code reason}
 * @param errors {@code echo.errors} by {@code type}
 * @param closed {@code echo.connections.closed} by {@code reason}
 */
record WorkerCounters(Map<String, Long> rejected, Map<String, Long> errors, Map<String, Long> closed) {

	static final WorkerCounters NONE = new WorkerCounters(Map.of(), Map.of(), Map.of());

	static WorkerCounters of(ConnectionRegistry registry) {
		Map<String, Long> rejected = new TreeMap<>();
		for (RejectionReason reason : RejectionReason.values()) {
			rejected.put(reason.tag(), registry.rejected(reason));
		}
		Map<String, Long> errors = new TreeMap<>();
		for (ErrorType type : ErrorType.values()) {
			errors.put(type.tag(), type.count(registry));
		}
		Map<String, Long> closed = new TreeMap<>();
		for (Ending ending : Ending.values()) {
			closed.put(ending.tag(), registry.closed(ending));
		}
		return new WorkerCounters(rejected, errors, closed);
	}

}
