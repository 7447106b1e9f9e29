package io.github.echoserver.process;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * One end of the control channel between the supervisor and a worker: a connected Unix domain
 * socket carrying one JSON document per line. One thread reads; any thread may send. The
 * channel's own read and write paths are used directly (not stream adapters, which on Java 17
 * share one lock between reading and writing, so a blocked read would hold up every send).
 */
final class ControlChannel implements Closeable {

	/** A connections list of 10,000 entries is about 3 MB: far below this, which bounds a broken peer. */
	static final int MAX_LINE_BYTES = 64 * 1024 * 1024;

	private final SocketChannel channel;

	private final ByteBuffer input = ByteBuffer.allocate(64 * 1024).flip();

	private final Object writeLock = new Object();

	ControlChannel(SocketChannel channel) {
		this.channel = channel;
	}

	/** Connect to the supervisor's control socket. */
	static ControlChannel connect(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
			return new ControlChannel(channel);
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
	}

	/** Send one line (the line feed is added). */
	void send(String line) throws IOException {
		ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
		synchronized (this.writeLock) {
			while (bytes.hasRemaining()) {
				this.channel.write(bytes);
			}
		}
	}

	/**
	 * The next line, without its line feed.
	 * @return the line, or {@code null} when the other end has closed
	 * @throws IOException when reading fails or a line exceeds {@link #MAX_LINE_BYTES}
	 */
	@Nullable String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		while (true) {
			while (this.input.hasRemaining()) {
				byte b = this.input.get();
				if (b == '\n') {
					return line.toString(StandardCharsets.UTF_8);
				}
				line.write(b);
			}
			if (line.size() > MAX_LINE_BYTES) {
				throw new IOException("Control line longer than " + MAX_LINE_BYTES + " bytes");
			}
			this.input.clear();
			int read = this.channel.read(this.input);
			this.input.flip();
			if (read < 0) {
				return null;
			}
		}
	}

	@Override
	public void close() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// Closing a socket to a process that is gone: nothing left to do.
		}
	}

}
