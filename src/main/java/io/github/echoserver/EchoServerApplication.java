package io.github.echoserver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Starts the echo server: a line-echo TCP listener hosted by Spring Integration IP, with its
 * state reported through Spring Boot Actuator.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EchoServerApplication {

	public static void main(String[] args) {
		SpringApplication.run(EchoServerApplication.class, args);
	}

}
