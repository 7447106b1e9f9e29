package io.github.echoserver.protocol;

/**
 * Telnet's way of saying Ctrl+C: the command IAC IP (Interrupt Process, bytes FF F4), or IAC BRK
 * (FF F3) for the Break key. A telnet user who presses Ctrl+C expects the session to end; left
 * alone, telnet sends the command followed by IAC DO TIMING-MARK and then discards everything
 * until the server answers the timing mark, so the session looks frozen. In line framing the
 * server therefore ends the session with {@code server bye# interrupted}. Byte FF never occurs in
 * UTF-8 text; a binary client that sends FF F4 or FF F3 in line framing is taken as interrupting
 * (raw framing passes every byte). The connection pipeline looks for it in every read and ends
 * the session with {@code Ending.INTERRUPTED}.
 */
public final class TelnetInterrupt {

	private static final byte IAC = (byte) 0xFF;

	private static final byte IP = (byte) 0xF4;

	private static final byte BRK = (byte) 0xF3;

	private TelnetInterrupt() {
	}

	/**
	 * Where an interrupt command starts in {@code buffer[offset, offset + length)}, or -1. A
	 * command split across two reads is not seen; telnet writes it in one piece.
	 * @param buffer bytes read from the client
	 * @param offset where they start
	 * @param length how many there are
	 * @return the index of the IAC byte in {@code buffer}, or -1
	 */
	public static int indexIn(byte[] buffer, int offset, int length) {
		int last = offset + length - 1;
		for (int i = offset; i < last; i++) {
			if (buffer[i] == IAC && (buffer[i + 1] == IP || buffer[i + 1] == BRK)) {
				return i;
			}
		}
		return -1;
	}

}
