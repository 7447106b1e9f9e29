package io.github.echoserver.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * A line-echo server over TLS for the bench's own tests: the JDK's {@link SSLServerSocket} with
 * the test certificate (src/test/resources/tls, signed by ca.pem), a thread per connection. It
 * is the reference the bench's non-blocking TLS client is checked against, so it is as plain as
 * a TLS server gets; it counts handshakes and failed connections, to check the client's side of
 * both.
 */
final class TlsEchoServer implements AutoCloseable {

	private final SSLServerSocket serverSocket;

	private final AtomicLong handshakes = new AtomicLong();

	/** Connections that failed: a handshake, a read or a write. */
	private final AtomicLong failed = new AtomicLong();

	private TlsEchoServer(SSLServerSocket serverSocket) {
		this.serverSocket = serverSocket;
	}

	/** Listen on a free loopback port with server.pem and server.key. */
	static TlsEchoServer start() throws IOException, GeneralSecurityException {
		return start(false);
	}

	/**
	 * Listen on a free loopback port with server.pem and server.key.
	 * @param needClientCertificate whether every client must present a certificate that ca.pem signed
	 */
	static TlsEchoServer start(boolean needClientCertificate) throws IOException, GeneralSecurityException {
		PemSslStoreBundle pem = new PemSslStoreBundle(
				PemSslStoreDetails.forCertificate("classpath:tls/server.pem").withPrivateKey("classpath:tls/server.key"),
				PemSslStoreDetails.forCertificate("classpath:tls/ca.pem"));
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(pem.getKeyStore(), new char[0]);
		TrustManagerFactory cas = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		cas.init(pem.getTrustStore());
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keys.getKeyManagers(), cas.getTrustManagers(), null);
		SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory()
			.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
		socket.setNeedClientAuth(needClientCertificate);
		TlsEchoServer server = new TlsEchoServer(socket);
		Thread accepting = new Thread(server::accept, "tls-echo-accept");
		accepting.setDaemon(true);
		accepting.start();
		return server;
	}

	String target() {
		return "127.0.0.1:" + this.serverSocket.getLocalPort();
	}

	long handshakes() {
		return this.handshakes.get();
	}

	long failed() {
		return this.failed.get();
	}

	@Override
	public void close() throws IOException {
		this.serverSocket.close();
	}

	private void accept() {
		while (!this.serverSocket.isClosed()) {
			try {
				SSLSocket socket = (SSLSocket) this.serverSocket.accept();
				socket.setSoTimeout(10_000);
				Thread connection = new Thread(() -> echo(socket), "tls-echo");
				connection.setDaemon(true);
				connection.start();
			}
			catch (IOException ex) {
				return; // closed by the test
			}
		}
	}

	private void echo(SSLSocket socket) {
		try (socket;
				BufferedReader in = new BufferedReader(
						new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))) {
			socket.startHandshake();
			this.handshakes.incrementAndGet();
			OutputStream out = socket.getOutputStream();
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				out.write(("server echo# " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
			}
		}
		catch (IOException ex) {
			this.failed.incrementAndGet();
		}
	}

}
