package io.github.echoserver.pipeline;

/**
 * The optional first stage of a {@link ConnectionPipeline}: bytes a connection sends before its
 * first frame, consumed here and never seen by the decoder (a PROXY protocol header is the one
 * planned). Today there is none: {@link #NONE} is complete from the start.
 */
public interface Preamble {

	/** No preamble: every byte goes to the decoder. */
	Preamble NONE = new Preamble() {

		@Override
		public boolean isComplete() {
			return true;
		}

		@Override
		public int consume(byte[] buffer, int offset, int length) {
			return 0;
		}

	};

	/** Whether the preamble has been read, so that the following bytes are frames. */
	boolean isComplete();

	/**
	 * Take what belongs to the preamble from {@code buffer[offset, offset + length)}.
	 * @return how many bytes it took; the rest, once it is complete, goes to the decoder
	 */
	int consume(byte[] buffer, int offset, int length);

}
