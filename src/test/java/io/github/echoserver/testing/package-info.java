/**
 * What the tests share, so that each test class is about its behaviour: the application started
 * on free ports (in the tests' JVM, or as a child JVM whose console is read, such as a supervisor
 * with its workers), clients (a bounded line client, a rude one, selector-driven crowds), probes
 * of what the process holds, the admin API called and read as JSON, and the few assertions every
 * class makes.
 */
package io.github.echoserver.testing;
