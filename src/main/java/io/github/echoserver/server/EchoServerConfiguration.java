package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.Io;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.IdleConnectionReaper;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpInboundGateway;
import org.springframework.integration.ip.tcp.serializer.ByteArrayRawSerializer;
import org.springframework.integration.support.IdGenerators;
import org.springframework.util.IdGenerator;

/**
 * Wires the TCP server from {@link EchoProperties}: the concurrency model, the connection
 * factory that {@code echo.io} names, the inbound gateway and the flow to the {@link EchoHandler}.
 * Every number comes from the properties; none is repeated here.
 */
@Configuration(proxyBeanMethods = false)
class EchoServerConfiguration {

	@Bean
	ConnectionRegistry connectionRegistry(EchoProperties properties) {
		return new ConnectionRegistry(properties.maxConnections());
	}

	@Bean
	IdleConnectionReaper idleConnectionReaper(ConnectionRegistry registry, EchoProperties properties) {
		return new IdleConnectionReaper(registry, properties.idleTimeout());
	}

	@Bean
	ConnectionModel connectionModel(EchoProperties properties) {
		return ConnectionModel.of(properties);
	}

	@Bean
	AbstractServerConnectionFactory echoConnectionFactory(EchoProperties properties, ConnectionModel model,
			ConnectionRegistry registry) {
		checkPortIsFree(properties);
		EchoConnectionSupport connections = new EchoConnectionSupport(registry, properties.framing(),
				properties.maxLineLength());
		AbstractServerConnectionFactory factory;
		if (properties.io() == Io.BLOCKING) {
			EchoNetServerConnectionFactory net = new EchoNetServerConnectionFactory(properties.port());
			net.setTcpNetConnectionSupport(connections);
			factory = net;
		}
		else {
			EchoNioServerConnectionFactory nio = new EchoNioServerConnectionFactory(properties.port());
			nio.setTcpNioConnectionSupport(connections);
			factory = nio;
		}
		factory.setLocalAddress(properties.address());
		factory.setBacklog(properties.backlog());
		factory.setTaskExecutor(new ServerExecutor(model));
		// Framing happens in our connection classes; replies are complete byte arrays.
		factory.setSerializer(new ByteArrayRawSerializer());
		factory.setMapper(new EchoMessageMapper());
		// A reverse DNS lookup per accepted connection would put the resolver on the accept path.
		factory.setLookupHost(false);
		factory.setSoTcpNoDelay(true);
		return factory;
	}

	/**
	 * Binding the port once ourselves, before anything starts, turns "address in use" into a
	 * one-line startup failure; the factory would log a stack trace from its own thread and
	 * leave the application running without a listener.
	 */
	private static void checkPortIsFree(EchoProperties properties) {
		if (properties.port() == 0) {
			return;
		}
		try (ServerSocket probe = new ServerSocket()) {
			probe.setReuseAddress(true);
			probe.bind(new InetSocketAddress(InetAddress.getByName(properties.address()), properties.port()));
		}
		catch (IOException ex) {
			throw new ListenerStartException(properties.address(), properties.port(), ex);
		}
	}

	/** A bean of its own, so the lifecycle can start and stop it (DESIGN.md §3 point 9). */
	@Bean
	TcpInboundGateway echoGateway(AbstractServerConnectionFactory factory) {
		TcpInboundGateway gateway = new TcpInboundGateway();
		gateway.setConnectionFactory(factory);
		// Started by EchoServerLifecycle once the port is known to be free, stopped after the drain.
		gateway.setAutoStartup(false);
		gateway.setPhase(EchoServerLifecycle.PHASE - 1);
		return gateway;
	}

	/**
	 * Message ids by counting: nothing here reads them, and the default random UUID per message
	 * showed in the profile of the per-line path.
	 */
	@Bean
	IdGenerator integrationIdGenerator() {
		return new IdGenerators.SimpleIncrementingIdGenerator();
	}

	@Bean
	EchoHandler echoHandler(EchoProperties properties) {
		return new EchoHandler(properties.framing(), properties.prefixBytes());
	}

	@Bean
	IntegrationFlow echoFlow(TcpInboundGateway echoGateway, EchoHandler echoHandler) {
		return IntegrationFlow.from(echoGateway).handle(byte[].class, echoHandler).get();
	}

	@Bean
	ServerStatus serverStatus(EchoProperties properties, AbstractServerConnectionFactory factory) {
		return new ServerStatus(properties, factory);
	}

	@Bean
	EchoServerLifecycle echoServerLifecycle(EchoProperties properties, TcpInboundGateway echoGateway,
			AbstractServerConnectionFactory factory, ConnectionModel model, ConnectionRegistry registry,
			ServerStatus status, ApplicationEventPublisher publisher) {
		return new EchoServerLifecycle(properties, echoGateway, (AcceptControl) factory, model, registry, status,
				publisher);
	}

}
