package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A TLS client driving its own {@link SSLEngine} over a blocking socket, for what an
 * {@code SSLSocket} hides: whether the server sent {@code close_notify} before closing (the
 * JDK's {@code SSLSocket} reads both as the end of the stream). Reads are bounded by
 * {@link EchoClient#READ_TIMEOUT}.
 */
public final class TlsEngineClient implements AutoCloseable {

	private final SocketChannel channel;

	private final SSLEngine engine;

	private final ByteBuffer netIn;

	private final ByteBuffer netOut;

	private final ByteBuffer plainIn;

	private TlsEngineClient(SocketChannel channel, SSLEngine engine) {
		this.channel = channel;
		this.engine = engine;
		int packet = engine.getSession().getPacketBufferSize();
		this.netIn = ByteBuffer.allocate(packet * 2);
		this.netOut = ByteBuffer.allocate(packet * 2);
		this.plainIn = ByteBuffer.allocate(packet * 2);
	}

	/** What the server sent until it closed, and how it closed. */
	public record Ending(String text, boolean closeNotify) {
	}

	/** Connect to 127.0.0.1:{@code port} trusting the test CA, and handshake. */
	public static TlsEngineClient connect(int port) {
		return connect(port, TlsClients.trustingTestCa());
	}

	/** Connect to 127.0.0.1:{@code port} and handshake. */
	public static TlsEngineClient connect(int port, SSLContext context) {
		try {
			SocketChannel channel = SocketChannel.open();
			channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
			channel.socket().setSoTimeout((int) EchoClient.READ_TIMEOUT.toMillis());
			channel.connect(new InetSocketAddress("127.0.0.1", port));
			SSLEngine engine = context.createSSLEngine("localhost", port);
			engine.setUseClientMode(true);
			TlsEngineClient client = new TlsEngineClient(channel, engine);
			client.handshake();
			return client;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The local (client-side) port, as the server's admin API reports it. */
	public int localPort() {
		return this.channel.socket().getLocalPort();
	}

	private void handshake() throws IOException {
		this.engine.beginHandshake();
		HandshakeStatus status = this.engine.getHandshakeStatus();
		while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
			switch (status) {
				case NEED_WRAP -> status = wrap(ByteBuffer.allocate(0));
				case NEED_TASK -> {
					Runnable task;
					while ((task = this.engine.getDelegatedTask()) != null) {
						task.run();
					}
					status = this.engine.getHandshakeStatus();
				}
				default -> {
					SSLEngineResult result = unwrap();
					if (result == null) {
						throw new java.io.EOFException("The server closed during the handshake");
					}
					status = result.getHandshakeStatus();
				}
			}
		}
	}

	/** Send {@code line} followed by CR LF, in one record. */
	public TlsEngineClient sendLine(String line) {
		return send(line + "\r\n");
	}

	/** Send {@code text} as UTF-8, as is, in one record. */
	public TlsEngineClient send(String text) {
		try {
			wrap(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Send close_notify, and nothing else: the TCP connection stays open both ways. */
	public void sendCloseNotify() {
		this.engine.closeOutbound();
		try {
			wrap(ByteBuffer.allocate(0));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Read until the server's close_notify or its close, whichever comes first. */
	public Ending readToEnd() {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		try {
			while (true) {
				SSLEngineResult result = unwrap();
				this.plainIn.flip();
				text.write(this.plainIn.array(), 0, this.plainIn.limit());
				this.plainIn.clear();
				if (result == null) {
					return new Ending(text.toString(StandardCharsets.UTF_8), false);
				}
				if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
					return new Ending(text.toString(StandardCharsets.UTF_8), true);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private HandshakeStatus wrap(ByteBuffer plain) throws IOException {
		SSLEngineResult result;
		do {
			this.netOut.clear();
			result = this.engine.wrap(plain, this.netOut);
			this.netOut.flip();
			while (this.netOut.hasRemaining()) {
				this.channel.write(this.netOut);
			}
		}
		while (plain.hasRemaining());
		return result.getHandshakeStatus();
	}

	/** One record unwrapped into {@link #plainIn}, reading as needed; null at the end of the stream. */
	private SSLEngineResult unwrap() throws IOException {
		while (true) {
			this.netIn.flip();
			SSLEngineResult result = this.engine.unwrap(this.netIn, this.plainIn);
			this.netIn.compact();
			if (result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW
					&& (result.bytesConsumed() > 0 || result.getStatus() == SSLEngineResult.Status.CLOSED)) {
				return result;
			}
			// Blocking reads of a SocketChannel ignore SO_TIMEOUT: through its socket's stream instead.
			int n = this.channel.socket().getInputStream().read(this.netIn.array(), this.netIn.position(),
					this.netIn.remaining());
			if (n < 0) {
				return null;
			}
			this.netIn.position(this.netIn.position() + n);
		}
	}

	@Override
	public void close() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// closing a test client: nothing to do
		}
	}

}
