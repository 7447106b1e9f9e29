/**
 * The TCP server: the Spring Integration connection factory and channel adapters, the
 * concurrency models that give connections their threads, the connection classes that read
 * frames and write replies, and the drain on shutdown.
 */
@NullMarked
package io.github.echoserver.server;

import org.jspecify.annotations.NullMarked;
