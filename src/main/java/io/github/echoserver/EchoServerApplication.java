package io.github.echoserver;

import java.util.Arrays;

import picocli.CommandLine;

import io.github.echoserver.bench.BenchCommand;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Starts the echo server: a line-echo TCP listener hosted by Spring Integration IP, with its
 * state reported through Spring Boot Actuator. {@code bench ...} runs the load client instead.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EchoServerApplication {

	public static void main(String[] args) {
		if (args.length > 0 && args[0].equals("bench")) {
			// The load client starts no Spring context: it is up in milliseconds and its CPU goes to the load.
			int exitCode = new CommandLine(new BenchCommand()).execute(Arrays.copyOfRange(args, 1, args.length));
			System.exit(exitCode);
		}
		SpringApplication.run(EchoServerApplication.class, args);
	}

}
