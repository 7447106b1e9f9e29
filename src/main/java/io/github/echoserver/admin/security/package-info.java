/**
 * Who may use the admin API: open on loopback as long as no credentials are configured, HTTP
 * Basic against Spring Boot's {@code spring.security.user.*} otherwise, and no start at all on
 * another address without them. Refused requests are counted and logged here.
 */
@NullMarked
package io.github.echoserver.admin.security;

import org.jspecify.annotations.NullMarked;
