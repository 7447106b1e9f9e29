package io.github.echoserver.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PayloadGeneratorTests {

	@Test
	void sendsTheSameLinesAsTheAnchorsLoadgen() {
		// Printed by loadgen.c's gen_payload with its default seed.
		assertThat(request(16, 0, 0)).isEqualTo("85i9B1BFORFhT2VO\r\n");
		assertThat(request(16, 0, 1)).isEqualTo("wNZtCkSztLMi9Fdt\r\n");
		assertThat(request(16, 1, 0)).isEqualTo("9qEblaIXcQ13Qhck\r\n");
		assertThat(request(16, 99, 12345)).isEqualTo("RbFTyFj5TFvCbblj\r\n");
		assertThat(request(40, 7, 3)).isEqualTo("zkhwbbPh60q671fYt6tFApnOhyudU3uED2nubsUs\r\n");
	}

	@Test
	void theReplyIsThePrefixTheLineAndCrLf() {
		PayloadGenerator payloads = new PayloadGenerator(16);
		byte[] reply = new byte[payloads.replyLength()];
		payloads.writeReply(0, 1, reply);
		assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("server echo# wNZtCkSztLMi9Fdt\r\n");
	}

	private static String request(int size, int connectionId, long sequence) {
		PayloadGenerator payloads = new PayloadGenerator(size);
		ByteBuffer out = ByteBuffer.allocate(payloads.requestLength());
		payloads.writeRequest(connectionId, sequence, out);
		assertThat(out.hasRemaining()).isFalse();
		return new String(out.array(), StandardCharsets.US_ASCII);
	}

}
