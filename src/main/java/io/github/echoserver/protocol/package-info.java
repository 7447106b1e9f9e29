/**
 * The wire protocol of the README's Protocol section: how bytes become frames (LF or CRLF terminated
 * lines, or raw chunks), how a frame becomes its echo, and the wording of the server's own lines.
 * Nothing here touches a socket, so all of it is tested byte by byte.
 */
@NullMarked
package io.github.echoserver.protocol;

import org.jspecify.annotations.NullMarked;
