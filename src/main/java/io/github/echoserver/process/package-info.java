/**
 * The multi-process model ({@code echo.processes > 1}, docs/architecture.md): a supervisor that serves
 * no TCP but starts, watches, restarts, drains and reports worker processes of the same jar,
 * and the worker's end of the control channel between them. The workers share the echo port
 * through {@code SO_REUSEPORT}; the control channel is a Unix domain socket in a directory only
 * this user may enter, one line of JSON per message.
 */
@NullMarked
package io.github.echoserver.process;

import org.jspecify.annotations.NullMarked;
