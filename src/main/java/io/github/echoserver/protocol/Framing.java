package io.github.echoserver.protocol;

/**
 * How a connection's byte stream is cut into frames and how each frame is echoed
 * ({@code echo.framing}).
 */
public enum Framing {

	/** LF-terminated lines (one CR before the LF dropped), echoed as prefix + line + CR LF. */
	LINE {

		@Override
		public FrameDecoder newDecoder(int maxLineLength) {
			return new LineDecoder(maxLineLength);
		}

		@Override
		public byte[] reply(byte[] prefix, byte[] line) {
			byte[] reply = new byte[prefix.length + line.length + 2];
			System.arraycopy(prefix, 0, reply, 0, prefix.length);
			System.arraycopy(line, 0, reply, prefix.length, line.length);
			reply[reply.length - 2] = '\r';
			reply[reply.length - 1] = '\n';
			return reply;
		}

	},

	/** RFC 862: whatever arrives is sent back unchanged, with no prefix and no limit. */
	RAW {

		@Override
		public FrameDecoder newDecoder(int maxLineLength) {
			return new RawDecoder();
		}

		@Override
		public byte[] reply(byte[] prefix, byte[] chunk) {
			return chunk;
		}

	};

	/** The name users write in {@code application.yml}, and the admin API reports. */
	public String value() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

	/**
	 * A decoder for one connection; decoders keep the unterminated tail between reads, so each
	 * connection needs its own.
	 * @param maxLineLength the longest line accepted, in bytes, line terminator excluded
	 * @return a new decoder
	 */
	public abstract FrameDecoder newDecoder(int maxLineLength);

	/**
	 * The bytes to send back for one frame, in one array so that they go out in one write.
	 * @param prefix the configured prefix (ignored by {@link #RAW})
	 * @param frame a frame produced by this framing's decoder
	 * @return the reply
	 */
	public abstract byte[] reply(byte[] prefix, byte[] frame);

}
