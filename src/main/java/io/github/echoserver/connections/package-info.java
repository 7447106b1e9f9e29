/**
 * The registry of live connections: what each one is doing, what it has exchanged, and the
 * totals over all of them; fed by the server as connections are accepted, served and closed.
 */
@NullMarked
package io.github.echoserver.connections;

import org.jspecify.annotations.NullMarked;
