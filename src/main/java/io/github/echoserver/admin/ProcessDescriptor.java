package io.github.echoserver.admin;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * One worker process in the supervisor's {@code GET /actuator/echo} ({@code echo.processes > 1}).
 * The figures are the worker's own since its last start; {@code null} while it does not answer
 * (starting, restarting, or given up).
 *
 * @param index the worker's number, from 1
 * @param pid its process id; null while no process runs
 * @param state {@code starting}, {@code listening}, {@code restarting}, {@code failed} (given up
 * after too many deaths), {@code stopping} or {@code stopped}
 * @param started when its current process was started
 * @param restarts how many times it was restarted
 * @param connections its open connections
 * @param lines the lines it echoed
 * @param unresponsive whether its process was asked and did not answer within a second (stopped
 * or hung): its figures are null and left out of the sums
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ProcessDescriptor(int index, @Nullable Long pid, String state, @Nullable Instant started, int restarts,
		@Nullable Integer connections, @Nullable Long lines, boolean unresponsive) {
}
