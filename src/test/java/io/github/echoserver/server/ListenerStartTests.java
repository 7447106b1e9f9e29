package io.github.echoserver.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.echoserver.EchoServerApplication;
import io.github.echoserver.testing.EchoClient;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Proves that a TCP listener that cannot bind (port in use, address not local) stops startup with
 * a {@link ListenerStartException} naming the address, the port and the real reason, and leaves
 * nothing behind: no running context, no HTTP listener, and the port free for the next start.
 */
@ExtendWith(OutputCaptureExtension.class)
class ListenerStartTests {

	@Test
	void portInUseStopsStartupNamingAddressAndPort(CapturedOutput output) throws IOException {
		int httpPort = freePort();
		AtomicReference<ConfigurableApplicationContext> failedContext = new AtomicReference<>();
		int tcpPort;
		try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			tcpPort = taken.getLocalPort();
			Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(EchoServerApplication.class)
				.listeners(recordFailedContext(failedContext))
				.run("--echo.address=127.0.0.1", "--echo.port=" + tcpPort, "--server.port=" + httpPort)
				.close());

			ListenerStartException listenerFailure = findCause(failure, ListenerStartException.class);
			assertThat(listenerFailure).as("ListenerStartException in %s", failure).isNotNull();
			assertThat(listenerFailure.getAddress()).isEqualTo("127.0.0.1");
			assertThat(listenerFailure.getPort()).isEqualTo(tcpPort);
			assertThat(listenerFailure.getMessage()).contains("127.0.0.1:" + tcpPort).contains("in use");
			assertThat(output).contains("APPLICATION FAILED TO START").contains("Cannot listen on 127.0.0.1:" + tcpPort);

			// Our socket still holds the port: the application took nothing from it.
			assertThat(taken.isBound()).isTrue();
			assertThat(taken.isClosed()).isFalse();
		}
		ConfigurableApplicationContext context = failedContext.get();
		assertThat(context).as("context of the failed start").isNotNull();
		assertThat(context.isActive()).isFalse();
		assertThat(context.isRunning()).isFalse();
		assertThat(accepts(httpPort)).as("admin HTTP port %d accepts", httpPort).isFalse();
		assertThat(accepts(tcpPort)).as("TCP port %d accepts after the failed start", tcpPort).isFalse();

		// Nothing of the failed start holds the port now that it is free again.
		// (RunningServer always asks for port 0, so the application is started directly here.)
		try (ConfigurableApplicationContext server = new SpringApplicationBuilder(EchoServerApplication.class)
			.run("--echo.address=127.0.0.1", "--echo.port=" + tcpPort, "--server.port=0");
				EchoClient client = EchoClient.connect(tcpPort)) {
			assertThat(server.getBean(ServerStatus.class).getPort()).isEqualTo(tcpPort);
			client.sendLine("after");
			assertThat(client.readLine()).isEqualTo("server echo# after");
		}
	}

	@Test
	void portInUseOnAnyAddressStopsStartup() throws IOException {
		try (ServerSocket taken = new ServerSocket()) {
			taken.bind(new InetSocketAddress(0));
			int tcpPort = taken.getLocalPort();
			assertThatExceptionOfType(Exception.class)
				.isThrownBy(() -> new SpringApplicationBuilder(EchoServerApplication.class)
					.run("--echo.address=0.0.0.0", "--echo.port=" + tcpPort, "--server.port=0")
					.close())
				.satisfies((ex) -> assertThat(findCause(ex, ListenerStartException.class))
					.isNotNull()
					.extracting(ListenerStartException::getPort)
					.isEqualTo(tcpPort));
		}
	}

	@Test
	void addressThatIsNotLocalStopsStartupWithoutClaimingThePortIsInUse() throws IOException {
		// 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
		int port = freePort();
		ListenerStartException failure = startExpectingListenerFailure("--echo.address=192.0.2.1", "--echo.port=" + port);
		assertThat(failure.getAddress()).isEqualTo("192.0.2.1");
		assertThat(failure.getPort()).isEqualTo(port);
		assertThat(failure.getMessage()).startsWith("Cannot listen on 192.0.2.1:" + port + ": ").doesNotContain("in use");
	}

	@Test
	void addressThatIsNotLocalWithAnyPortStopsStartupWithoutClaimingThePortIsInUse() {
		// With port 0 there is no probe: the failure comes from the connection factory's own thread.
		ListenerStartException failure = startExpectingListenerFailure("--echo.address=192.0.2.1", "--echo.port=0");
		assertThat(failure.getAddress()).isEqualTo("192.0.2.1");
		assertThat(failure.getMessage()).startsWith("Cannot listen on 192.0.2.1:0: ").doesNotContain("in use");
	}

	private static ListenerStartException startExpectingListenerFailure(String... args) {
		String[] allArgs = Stream.concat(Arrays.stream(args), Stream.of("--server.port=0"))
			.toArray(String[]::new);
		Throwable failure = catchThrowable(
				() -> new SpringApplicationBuilder(EchoServerApplication.class).run(allArgs).close());
		ListenerStartException listenerFailure = findCause(failure, ListenerStartException.class);
		assertThat(listenerFailure).as("ListenerStartException in %s", failure).isNotNull();
		return listenerFailure;
	}

	private static ApplicationListener<ApplicationEvent> recordFailedContext(
			AtomicReference<ConfigurableApplicationContext> context) {
		return (event) -> {
			if (event instanceof ApplicationFailedEvent failed) {
				context.set(failed.getApplicationContext());
			}
		};
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
			return true;
		}
		catch (ConnectException ex) {
			return false;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
