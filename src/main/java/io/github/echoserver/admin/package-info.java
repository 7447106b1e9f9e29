/**
 * What operators see: the {@code echo} Actuator endpoint, the {@code echo} health component and
 * the Micrometer meters, each adapting the registry and the concurrency model.
 */
@NullMarked
package io.github.echoserver.admin;

import org.jspecify.annotations.NullMarked;
