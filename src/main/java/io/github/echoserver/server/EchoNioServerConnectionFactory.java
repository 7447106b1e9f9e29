package io.github.echoserver.server;

import java.io.IOException;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpNioConnection;
import org.springframework.integration.ip.tcp.connection.TcpNioServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpSender;

/**
 * The NIO connection factory, able to stop accepting for the drain: closing its server channel
 * leaves the select loop serving the open connections.
 * <p>
 * A closed connection leaves the factory's maps when it closes, and the select loop is woken
 * so that the selector releases the socket's file descriptor; Spring Integration would do both
 * only at the loop's next pass, which on an idle server is the next client. Every connection
 * tells the factory's senders when it closes; the factory registers itself as one for that.
 */
final class EchoNioServerConnectionFactory extends TcpNioServerConnectionFactory implements AcceptControl {

	private final HarvestInterval harvest = new HarvestInterval();

	private final HarvestInterval walk = new HarvestInterval();

	private final SelectLoop loop;

	private final NioBackPressure backPressure;

	EchoNioServerConnectionFactory(int port, SelectLoop loop, NioBackPressure backPressure) {
		super(port);
		this.loop = loop;
		this.backPressure = backPressure;
		registerSender(new Forget());
	}

	@Override
	public void stopAccepting() {
		ServerSocketChannel channel = getServerChannel();
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// Closing a listening channel: there is nothing left to do if it fails.
			}
		}
		setListening(false);
	}

	/**
	 * Marked inactive before the selector is closed: the select loop then takes the closed
	 * selector for the stop it is, instead of logging it as an ERROR with a stack trace.
	 */
	@Override
	public void stop() {
		setActive(false);
		super.stop();
	}

	/**
	 * Spring Integration walks every connection after each select that returned no key, and
	 * its own wake-up after every read makes that most selects: with 1,000 connections the
	 * select loop spent a third of the server's CPU in that walk (JFR). The walk only drops
	 * closed channels from the factory's map and applies the socket timeout, which we do not use
	 * (the idle timeout is the registry's); once per interval is enough.
	 * <p>
	 * Tasks our connections handed to the loop run first ({@link SelectLoop}); then connections
	 * whose replies wait for the client to read are handled, and taken out of the selection
	 * ({@link NioBackPressure}).
	 */
	@Override
	protected void processNioSelections(int selectionCount, Selector selector, @Nullable ServerSocketChannel server,
			Map<SocketChannel, TcpNioConnection> connectionMap) {
		this.loop.runTasks(selector);
		this.backPressure.process(selector, selectionCount);
		super.processNioSelections(selectionCount, selector, server,
				this.walk.due() ? connectionMap : Collections.emptyMap());
	}

	@Override
	protected void harvestClosedConnections() {
		if (this.harvest.due()) {
			super.harvestClosedConnections();
		}
	}

	/** Forgets a connection as it closes: the shared map here, the select loop's own on its thread. */
	private final class Forget implements TcpSender {

		@Override
		public void addNewConnection(TcpConnection connection) {
		}

		@Override
		public void removeDeadConnection(TcpConnection connection) {
			EchoNioServerConnectionFactory.this.connections.remove(connection.getConnectionId());
			if (connection instanceof EchoNioConnection nio) {
				EchoNioServerConnectionFactory.this.loop.execute(() -> getConnections().remove(nio.channel()));
			}
		}

	}

}
