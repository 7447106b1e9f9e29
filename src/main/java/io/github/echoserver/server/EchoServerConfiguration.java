package io.github.echoserver.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.Io;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionTimeoutReaper;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;
import org.springframework.integration.ip.tcp.serializer.ByteArrayRawSerializer;
import org.springframework.integration.support.IdGenerators;
import org.springframework.util.IdGenerator;

/**
 * Wires the TCP server from {@link EchoProperties}: the concurrency model, the connection
 * factory that {@code echo.io} names, and the flow from the inbound channel adapter through the
 * {@link EchoHandler} to the outbound channel adapter.
 * Every number comes from the properties; none is repeated here.
 */
@Configuration(proxyBeanMethods = false)
class EchoServerConfiguration {

	@Bean
	ConnectionRegistry connectionRegistry(EchoProperties properties) {
		return new ConnectionRegistry(properties.maxConnections());
	}

	@Bean
	ConnectionTimeoutReaper connectionTimeoutReaper(ConnectionRegistry registry, EchoProperties properties) {
		return new ConnectionTimeoutReaper(registry, properties.idleTimeout(), properties.lineTimeout(),
				properties.writeTimeout());
	}

	@Bean
	ConnectionModel connectionModel(EchoProperties properties) {
		return ConnectionModel.of(properties);
	}

	@Bean
	AbstractServerConnectionFactory echoConnectionFactory(EchoProperties properties, ConnectionModel model,
			ConnectionRegistry registry) {
		checkPortIsFree(properties);
		SelectLoop loop = new SelectLoop();
		NioBackPressure backPressure = new NioBackPressure(loop);
		EchoConnectionSupport connections = new EchoConnectionSupport(registry, properties.framing(),
				properties.maxLineLength(), loop, backPressure);
		AbstractServerConnectionFactory factory;
		if (properties.io() == Io.BLOCKING) {
			EchoNetServerConnectionFactory net = new EchoNetServerConnectionFactory(properties.port());
			net.setTcpNetConnectionSupport(connections);
			factory = net;
		}
		else {
			EchoNioServerConnectionFactory nio = new EchoNioServerConnectionFactory(properties.port(), loop,
					backPressure);
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

	/**
	 * Receives each frame as a message. A bean of its own, so that the lifecycle can start it
	 * (and with it the factory) and stop it after the drain (DESIGN.md §3 point 9).
	 */
	@Bean
	TcpReceivingChannelAdapter echoInbound(AbstractServerConnectionFactory factory) {
		TcpReceivingChannelAdapter inbound = new TcpReceivingChannelAdapter();
		inbound.setConnectionFactory(factory);
		inbound.setAutoStartup(false);
		inbound.setPhase(EchoServerLifecycle.PHASE - 1);
		return inbound;
	}

	/** Writes each reply to the connection named by its {@code ip_connectionId} header. */
	@Bean
	TcpSendingMessageHandler echoOutbound(AbstractServerConnectionFactory factory) {
		TcpSendingMessageHandler outbound = new TcpSendingMessageHandler();
		outbound.setConnectionFactory(factory);
		return outbound;
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

	/**
	 * Frame in, echo out, over Spring Integration's collaborating channel adapters. All on the
	 * connection's reading thread: direct channels, no reply channel to wait on (an inbound
	 * gateway's request-reply exchange cost two thirds of the per-line time in the profile).
	 */
	@Bean
	IntegrationFlow echoFlow(TcpReceivingChannelAdapter echoInbound, EchoHandler echoHandler,
			TcpSendingMessageHandler echoOutbound) {
		return IntegrationFlow.from(echoInbound).handle(echoHandler).handle(echoOutbound).get();
	}

	@Bean
	ServerStatus serverStatus(EchoProperties properties, AbstractServerConnectionFactory factory) {
		return new ServerStatus(properties, factory);
	}

	@Bean
	EchoServerLifecycle echoServerLifecycle(EchoProperties properties, TcpReceivingChannelAdapter echoInbound,
			AbstractServerConnectionFactory factory, ConnectionModel model, ConnectionRegistry registry,
			ServerStatus status, ApplicationEventPublisher publisher) {
		return new EchoServerLifecycle(properties, echoInbound, (AcceptControl) factory, model, registry, status,
				publisher);
	}

}
