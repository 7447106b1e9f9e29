package io.github.echoserver.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that each send one burst and never read a byte, written from one selector on a thread
 * of their own: a flood from more connections than {@link Flood}'s thread per connection would
 * bear. What the server does not take yet waits in the client's socket; a client whose writes
 * fail (the server closed it) stops there.
 */
public final class FloodingClients implements AutoCloseable {

	private final Selector selector;

	private final List<SocketChannel> channels = new ArrayList<>();

	private final List<Integer> localPorts = new ArrayList<>();

	private final byte[] burst;

	private final AtomicLong sent = new AtomicLong();

	private final Thread loop;

	private volatile boolean stop;

	/**
	 * Connect the clients; {@link #start()} sends.
	 * @param port the server's port on 127.0.0.1
	 * @param clients how many clients
	 * @param burst what each client sends, once
	 * @param receiveBufferSize each client's receive buffer, set before it connects so that the
	 * window it offers the server is that small, or 0 for the system's default
	 */
	public FloodingClients(int port, int clients, byte[] burst, int receiveBufferSize) throws IOException {
		this.selector = Selector.open();
		this.burst = burst.clone();
		try {
			for (int i = 0; i < clients; i++) {
				SocketChannel channel = SocketChannel.open();
				this.channels.add(channel);
				if (receiveBufferSize > 0) {
					channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
				}
				channel.connect(new InetSocketAddress("127.0.0.1", port));
				this.localPorts.add(((InetSocketAddress) channel.getLocalAddress()).getPort());
				channel.configureBlocking(false);
			}
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
		this.loop = new Thread(this::run, "test-flooding-clients");
		this.loop.setDaemon(true);
	}

	/** Every client starts sending its burst. */
	public void start() {
		this.loop.start();
	}

	/** Bytes the clients' sockets have taken so far, all clients together. */
	public long sent() {
		return this.sent.get();
	}

	/** The clients' local ports, by which the server's registry and /proc/net/tcp know them. */
	public List<Integer> localPorts() {
		return List.copyOf(this.localPorts);
	}

	private void run() {
		try {
			int left = 0;
			for (SocketChannel channel : this.channels) {
				channel.register(this.selector, SelectionKey.OP_WRITE, ByteBuffer.wrap(this.burst));
				left++;
			}
			while (!this.stop && left > 0) {
				this.selector.select(100);
				for (SelectionKey key : this.selector.selectedKeys()) {
					if (key.isValid() && key.isWritable() && !write(key)) {
						key.cancel();
						left--;
					}
				}
				this.selector.selectedKeys().clear();
			}
		}
		catch (IOException ex) {
			// The selector failed: the test sees it as a flood that did not arrive.
		}
	}

	/** Write what the socket takes; whether there is more to write. */
	private boolean write(SelectionKey key) {
		ByteBuffer out = (ByteBuffer) key.attachment();
		try {
			this.sent.addAndGet(((SocketChannel) key.channel()).write(out));
			return out.hasRemaining();
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() throws IOException {
		this.stop = true;
		if (this.loop != null && this.loop.isAlive()) {
			this.selector.wakeup();
			try {
				this.loop.join(5000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		for (SocketChannel channel : this.channels) {
			channel.close();
		}
		this.selector.close();
	}

}
