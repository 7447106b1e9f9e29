package io.github.echoserver.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Bytes as the tests build and compare them: joined, and read back as UTF-8 text. */
public final class Bytes {

	private Bytes() {
	}

	/** The bytes as UTF-8 text, for assertions that read as the wire does. */
	public static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	/** The parts one after the other. */
	public static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			all.writeBytes(part);
		}
		return all.toByteArray();
	}

}
