package io.github.echoserver.process;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The messages of the control channel, one JSON object per line.
 * <ul>
 * <li>worker to supervisor, unasked: {@code {"event":"hello","index":2,"pid":4711}} first, then
 * {@code {"event":"listening","port":7007}} once its listener is up; the standby (index 0) says
 * {@code {"event":"ready"}} instead, once it could listen at once;</li>
 * <li>supervisor to worker: {@code {"id":1,"op":"describe"}}, {@code {"id":2,"op":"connections"}},
 * {@code {"id":5,"op":"counters"}} (its {@link WorkerCounters}), {@code {"id":6,"op":"ping"}}
 * (answered {@code true}: it lives),
 * {@code {"id":3,"op":"close","connection":"..."}}, and to the standby
 * {@code {"id":4,"op":"listen","index":2}};</li>
 * <li>worker's answer: {@code {"id":1,"result":...}} (the endpoint's own JSON for {@code describe}
 * and {@code connections}, {@code true}/{@code false} for {@code close}), or
 * {@code {"id":1,"error":"..."}}.</li>
 * </ul>
 */
final class ControlProtocol {

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final String EVENT = "event";

	static final String HELLO = "hello";

	static final String LISTENING = "listening";

	static final String READY = "ready";

	static final String LISTEN = "listen";

	static final String ID = "id";

	static final String OP = "op";

	static final String DESCRIBE = "describe";

	static final String CONNECTIONS = "connections";

	static final String COUNTERS = "counters";

	static final String CLOSE = "close";

	static final String PING = "ping";

	static final String CONNECTION = "connection";

	static final String RESULT = "result";

	static final String ERROR = "error";

	private ControlProtocol() {
	}

	/** A question for a worker: {@code {"op":...}} (its {@code id} is set when it is sent). */
	static ObjectNode request(String op) {
		return JSON.createObjectNode().put(OP, op);
	}

	/** Something a worker says unasked: {@code {"event":...}}. */
	static ObjectNode event(String event) {
		return JSON.createObjectNode().put(EVENT, event);
	}

}
