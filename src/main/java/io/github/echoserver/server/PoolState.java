package io.github.echoserver.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * The workers of a {@link ConnectionModel} at one instant. A field the model does not have
 * (a thread-per-connection model has no queue) is {@code null}, not invented, and shown as
 * {@code null} in JSON rather than left out.
 *
 * @param kind {@code thread-pool}, {@code thread-per-connection} or {@code virtual-thread-per-connection}
 * @param coreSize threads the pool keeps
 * @param maxSize threads the pool may have
 * @param poolSize threads the pool has now
 * @param activeThreads threads running a task now
 * @param largestPoolSize most threads the pool has had
 * @param queued tasks waiting for a thread
 * @param queueCapacity tasks that may wait
 * @param completedTasks tasks finished
 * @param rejectedTasks tasks refused because the queue was full
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PoolState(String kind, @Nullable Integer coreSize, @Nullable Integer maxSize,
		@Nullable Integer poolSize, int activeThreads, @Nullable Integer largestPoolSize, @Nullable Integer queued,
		@Nullable Integer queueCapacity, long completedTasks, long rejectedTasks) {
}
