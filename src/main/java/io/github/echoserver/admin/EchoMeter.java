package io.github.echoserver.admin;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.jspecify.annotations.Nullable;

/**
 * The {@code echo.*} meters of the README's Admin API section, defined once: name, kind, description
 * and unit. A single process binds them to its registry ({@link EchoMetrics}); the supervisor of the
 * multi-process model binds them once per worker, tagged {@code process}, to the figures its workers
 * report.
 */
public enum EchoMeter {

	CONNECTIONS_ACTIVE("echo.connections.active", true, "Open connections, waiting ones included", null),

	CONNECTIONS_WAITING("echo.connections.waiting", true, "Open connections that no worker has started to read", null),

	CONNECTIONS_ACCEPTED("echo.connections.accepted", false, "Connections taken on", null),

	/** Tagged {@code reason}: the ending, e.g. {@code peer-closed}, {@code idle-timeout}, {@code lines-done}. */
	CONNECTIONS_CLOSED("echo.connections.closed", false, "Connections closed", null),

	/** Tagged {@code reason}. */
	CONNECTIONS_REJECTED("echo.connections.rejected", false, "Connections refused: with server busy#, or unanswered for a denied address", null),

	LINES("echo.lines", false, "Lines echoed", null),

	LINES_DROPPED("echo.lines.dropped", false,
			"Lines read after the last one echo.lines-per-connection allows, not answered", null),

	BYTES_RECEIVED("echo.bytes.received", false, "Bytes received from clients", "bytes"),

	BYTES_SENT("echo.bytes.sent", false, "Bytes sent to clients, server lines included", "bytes"),

	/** Tagged {@code type}. */
	ERRORS("echo.errors", false, "Connections closed for breaking a rule or after a failure, and failed accepts", null),

	/** Where the platform tells it (Linux); NaN while the listener is not up. */
	LISTEN_QUEUE("echo.listen.queue", true, "Connections the kernel has queued for the listener, not accepted yet",
			null),

	/** Host-wide (every listener), since boot; where the platform counts it (Linux). */
	LISTEN_OVERFLOWS("echo.listen.overflows", false,
			"Connections the kernel dropped because a listener's accept queue was full, every listener of the host", null),

	/** Host-wide (every listener), since boot, overflows included; where the platform counts it (Linux). */
	LISTEN_DROPS("echo.listen.drops", false, "Connections the kernel dropped at a listener, every listener of the host",
			null),

	/** Tagged {@code listener=plain|tls}: the clear-text and the TLS listener apart. */
	LISTENER_CONNECTIONS("echo.listener.connections", true, "Open connections by listener", null),

	/** Tagged {@code listener=plain|tls}. */
	LISTENER_ACCEPTED("echo.listener.accepted", false, "Connections taken on by listener", null),

	/** With {@code echo.ssl.bundle}: tagged {@code result=ok|failed|timeout}. */
	TLS_HANDSHAKES("echo.tls.handshakes", false, "TLS handshakes, by how they ended", null),

	/** Tagged {@code reason} ({@code no-credentials}, {@code bad-credentials}); admin API requests refused with 401. */
	ADMIN_AUTH_FAILURES("echo.admin.auth.failures", false, "Admin API requests refused for missing or wrong credentials",
			null);

	private final String name;

	private final boolean gauge;

	private final String description;

	private final @Nullable String baseUnit;

	EchoMeter(String name, boolean gauge, String description, @Nullable String baseUnit) {
		this.name = name;
		this.gauge = gauge;
		this.description = description;
		this.baseUnit = baseUnit;
	}

	/**
	 * Register this meter, read from {@code source} whenever it is scraped: a gauge, or a
	 * function counter for a count that only grows.
	 * @param meters where
	 * @param source what the value is read from
	 * @param value how
	 * @param tags its tags
	 * @param <T> the source's type
	 */
	public <T> void register(MeterRegistry meters, T source, ToDoubleFunction<T> value, Tags tags) {
		if (this.gauge) {
			Gauge.builder(this.name, source, value)
				.description(this.description)
				.baseUnit(this.baseUnit)
				.tags(tags)
				.register(meters);
		}
		else {
			FunctionCounter.builder(this.name, source, value)
				.description(this.description)
				.baseUnit(this.baseUnit)
				.tags(tags)
				.register(meters);
		}
	}

}
