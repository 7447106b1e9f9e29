package io.github.echoserver.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Registers a configuration or bean only in a process of one of the given {@link ProcessRole}s:
 * the TCP server's beans in a single process and in workers, the supervisor's in the supervisor.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnProcessRoleCondition.class)
public @interface ConditionalOnProcessRole {

	/** The roles in which the annotated configuration or bean is registered. */
	ProcessRole[] value();

}
