package io.github.echoserver.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.ConditionalOnProcessRole;
import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.config.ProcessRole;
import io.github.echoserver.config.WorkerIdentity;
import io.github.echoserver.connections.ConnectionRegistry;
import io.github.echoserver.connections.ConnectionTimeoutReaper;
import io.github.echoserver.connections.Listener;
import io.github.echoserver.pipeline.AccessList;
import io.github.echoserver.pipeline.Admission;
import io.github.echoserver.pipeline.PipelineFactory;
import io.github.echoserver.pipeline.RefusalLog;
import io.github.echoserver.tls.ServerTls;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.integration.config.IntegrationManagementConfigurer;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;
import org.springframework.integration.support.IdGenerators;
import org.springframework.util.IdGenerator;

/**
 * Wires the TCP server from {@link EchoProperties}: the concurrency model, the connection
 * factory that {@code echo.io} names, the pipeline every connection runs, and the flow from the
 * inbound channel adapter through the {@link EchoHandler} to the outbound channel adapter.
 * Every number comes from the properties; none is repeated here. A process that serves: a
 * single process, or a worker of the multi-process model (which shares the port with the other
 * workers through {@code SO_REUSEPORT}); a supervisor serves no TCP.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProcessRole({ ProcessRole.SINGLE, ProcessRole.WORKER })
class EchoServerConfiguration {

	@Bean
	ConnectionRegistry connectionRegistry(EchoProperties properties) {
		return new ConnectionRegistry(properties.maxConnections(), properties.maxConnectionsPerClient());
	}

	@Bean
	ConnectionTimeoutReaper connectionTimeoutReaper(ConnectionRegistry registry, EchoProperties properties) {
		return new ConnectionTimeoutReaper(registry, properties.idleTimeout(), properties.lineTimeout(),
				properties.writeTimeout(), properties.ssl().enabled() ? properties.ssl().handshakeTimeout() : Duration.ZERO);
	}

	@Bean
	AcceptFailures acceptFailures(ConnectionRegistry registry) {
		return new AcceptFailures(registry);
	}

	@Bean
	ConnectionModel connectionModel(EchoProperties properties) {
		return ConnectionModel.of(properties);
	}

	/** Its timer runs only where an access list or a per-client limit can refuse someone. */
	@Bean
	RefusalLog refusalLog(EchoProperties properties) {
		return new RefusalLog(!properties.access().isOpen() || properties.maxConnectionsPerClient() > 0);
	}

	@Bean
	Admission admission(EchoProperties properties, ConnectionRegistry registry, RefusalLog refusalLog) {
		return new Admission(AccessList.of(properties.access()), registry, refusalLog);
	}

	@Bean
	PipelineFactory pipelineFactory(Admission admission, EchoProperties properties) {
		return new PipelineFactory(admission, properties.framing(), properties.maxLineLength(),
				properties.linesPerConnection());
	}

	/** The server's TLS, when {@code echo.ssl.bundle} names a bundle. */
	@Bean
	@ConditionalOnProperty("echo.ssl.bundle")
	ServerTls serverTls(SslBundles bundles, EchoProperties properties) {
		return ServerTls.of(bundles, properties.ssl());
	}

	/** Open, but for the standby worker of the multi-process model, which binds only when told to. */
	@Bean
	ListenerGate listenerGate(Environment environment) {
		WorkerIdentity worker = WorkerIdentity.of(environment);
		return (worker != null && worker.standby()) ? ListenerGate.closed() : ListenerGate.open();
	}

	/**
	 * The listener on {@code echo.port}: clear text, or TLS when a bundle is named and
	 * {@code echo.ssl.port} is not set. The primary one: whatever asks for "the" connection
	 * factory gets it.
	 */
	@Bean
	@Primary
	AbstractServerConnectionFactory echoConnectionFactory(EchoProperties properties, ConnectionModel model,
			PipelineFactory pipelines, ListenerGate gate, AcceptFailures acceptFailures, Environment environment,
			ObjectProvider<ServerTls> tls) {
		boolean tlsHere = properties.ssl().enabled() && properties.ssl().port() == null;
		return listener(properties.port(), tlsHere ? tls.getObject() : null, properties, model, pipelines, gate,
				acceptFailures, environment);
	}

	/**
	 * With {@code echo.ssl.port}: the TLS listener beside the clear-text one, served by the same
	 * model, limits, registry and admin view (as Tomcat serves http and https connectors). Its own
	 * inbound and outbound adapters, since each adapter belongs to one connection factory.
	 */
	@Bean
	@ConditionalOnProperty("echo.ssl.port")
	AbstractServerConnectionFactory echoTlsConnectionFactory(EchoProperties properties, ConnectionModel model,
			PipelineFactory pipelines, ListenerGate gate, AcceptFailures acceptFailures, Environment environment,
			ServerTls tls) {
		Integer port = properties.ssl().port();
		return listener((port != null) ? port : 0, tls, properties, model, pipelines, gate, acceptFailures,
				environment);
	}

	@Bean
	@ConditionalOnProperty("echo.ssl.port")
	TcpReceivingChannelAdapter echoTlsInbound(
			@Qualifier("echoTlsConnectionFactory") AbstractServerConnectionFactory factory) {
		return inbound(factory);
	}

	@Bean
	@ConditionalOnProperty("echo.ssl.port")
	TcpSendingMessageHandler echoTlsOutbound(
			@Qualifier("echoTlsConnectionFactory") AbstractServerConnectionFactory factory) {
		return outbound(factory);
	}

	/**
	 * The same flow as {@link #echoFlow} for the TLS listener's connections, with a handler of its
	 * own: a reply-producing handler belongs to one flow (Spring Integration refuses a second
	 * reference), and the handler holds no state, so two cost nothing.
	 */
	@Bean
	@ConditionalOnProperty("echo.ssl.port")
	IntegrationFlow echoTlsFlow(@Qualifier("echoTlsInbound") TcpReceivingChannelAdapter echoTlsInbound,
			EchoProperties properties, @Qualifier("echoTlsOutbound") TcpSendingMessageHandler echoTlsOutbound) {
		return IntegrationFlow.from(echoTlsInbound)
			.handle(new EchoHandler(properties.framing(), properties.prefixBytes()))
			.handle(echoTlsOutbound)
			.get();
	}

	private static AbstractServerConnectionFactory listener(int port, @Nullable ServerTls tls,
			EchoProperties properties, ConnectionModel model, PipelineFactory pipelines, ListenerGate gate,
			AcceptFailures acceptFailures, Environment environment) {
		ListenerSocketSupport listenerSocket = new ListenerSocketSupport(
				ProcessRole.of(environment) == ProcessRole.WORKER, gate);
		PipelineFactory listenerPipelines = pipelines.forListener((tls != null) ? Listener.TLS : Listener.PLAIN);
		AbstractServerConnectionFactory factory;
		if (model instanceof EventLoopModel loops) {
			factory = new EchoNioServerConnectionFactory(port, loops, listenerPipelines, acceptFailures, tls);
		}
		else {
			EchoNetServerConnectionFactory net = new EchoNetServerConnectionFactory(port, acceptFailures);
			net.setTcpNetConnectionSupport(new EchoNetConnectionSupport(listenerPipelines, tls));
			factory = net;
		}
		factory.setTcpSocketSupport(listenerSocket);
		factory.setLocalAddress(properties.address());
		factory.setBacklog(properties.backlog());
		boolean besidePlain = tls != null && properties.ssl().port() != null;
		factory.setTaskExecutor(new ServerExecutor(model,
				besidePlain ? ServerExecutor.LISTENER_THREAD_NAME + "-tls" : ServerExecutor.LISTENER_THREAD_NAME));
		// A reverse DNS lookup per accepted connection would put the resolver on the accept path.
		factory.setLookupHost(false);
		factory.setSoTcpNoDelay(true);
		return factory;
	}

	/**
	 * Receives each frame as a message. A bean of its own, so that the lifecycle can start it
	 * (and with it the factory) and stop it after the drain (docs/architecture.md, Spring Integration
	 * point 9).
	 */
	@Bean
	TcpReceivingChannelAdapter echoInbound(AbstractServerConnectionFactory factory) {
		return inbound(factory);
	}

	private static TcpReceivingChannelAdapter inbound(AbstractServerConnectionFactory factory) {
		TcpReceivingChannelAdapter inbound = new TcpReceivingChannelAdapter();
		inbound.setConnectionFactory(factory);
		inbound.setAutoStartup(false);
		inbound.setPhase(EchoServerLifecycle.PHASE - 1);
		return inbound;
	}

	/** Writes each reply to the connection named by its {@code ip_connectionId} header. */
	@Bean
	TcpSendingMessageHandler echoOutbound(AbstractServerConnectionFactory factory) {
		return outbound(factory);
	}

	private static TcpSendingMessageHandler outbound(AbstractServerConnectionFactory factory) {
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

	/**
	 * Spring Integration's management without per-message instruments. Boot's default times every
	 * channel send and every handler call with Micrometer (four timers per echoed line here) and
	 * checks whether to log each message; the server counts lines and bytes itself
	 * ({@code echo.lines}, {@code echo.bytes.*}), so the per-line path needs neither. Declaring
	 * this bean is Boot's documented way to take over the management configuration.
	 */
	@Bean(IntegrationManagementConfigurer.MANAGEMENT_CONFIGURER_NAME)
	static IntegrationManagementConfigurer integrationManagementConfigurer() {
		IntegrationManagementConfigurer configurer = new IntegrationManagementConfigurer();
		configurer.setDefaultLoggingEnabled(false);
		return configurer;
	}

	@Bean
	EchoHandler echoHandler(EchoProperties properties) {
		return new EchoHandler(properties.framing(), properties.prefixBytes());
	}

	/**
	 * Frame in, echo out, over Spring Integration's collaborating channel adapters. All on the
	 * connection's reading thread (its worker or its event loop): direct channels, no reply
	 * channel to wait on (an inbound gateway's request-reply exchange cost two thirds of the
	 * per-line time in the profile).
	 */
	@Bean
	IntegrationFlow echoFlow(@Qualifier("echoInbound") TcpReceivingChannelAdapter echoInbound,
			EchoHandler echoHandler, @Qualifier("echoOutbound") TcpSendingMessageHandler echoOutbound) {
		return IntegrationFlow.from(echoInbound).handle(echoHandler).handle(echoOutbound).get();
	}

	@Bean
	ServerStatus serverStatus(EchoProperties properties, AbstractServerConnectionFactory factory,
			@Qualifier("echoTlsConnectionFactory") ObjectProvider<AbstractServerConnectionFactory> tlsFactory,
			ObjectProvider<ServerTls> tls, AcceptFailures acceptFailures, Environment environment) {
		WorkerIdentity worker = WorkerIdentity.of(environment);
		String name = (worker == null) ? "Echo server" : worker.standby() ? "Standby worker" : "Worker " + worker.index();
		return new ServerStatus(properties, factory, tlsFactory.getIfAvailable(), tls.getIfAvailable(), name,
				acceptFailures);
	}

	/** The listener's accept queue and the kernel's drops, as Linux tells them; null figures elsewhere. */
	@Bean
	ListenQueue listenQueue(ServerStatus status, EchoProperties properties) {
		return new ListenQueue(Path.of("/proc"), status.getAddress(), status::getListeningPort, properties.backlog());
	}

	@Bean
	EchoServerLifecycle echoServerLifecycle(EchoProperties properties,
			ObjectProvider<TcpReceivingChannelAdapter> inbounds,
			ObjectProvider<AbstractServerConnectionFactory> factories, ConnectionModel model,
			ConnectionRegistry registry, ServerStatus status, ApplicationEventPublisher publisher, ListenerGate gate) {
		List<AcceptControl> listeners = factories.orderedStream().map(AcceptControl.class::cast).toList();
		return new EchoServerLifecycle(properties, inbounds.orderedStream().toList(), listeners, model, registry,
				status, publisher, gate);
	}

}
