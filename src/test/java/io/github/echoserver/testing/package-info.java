/**
 * What the tests share: a bounded loopback line client and the application started on free
 * ports.
 */
package io.github.echoserver.testing;
