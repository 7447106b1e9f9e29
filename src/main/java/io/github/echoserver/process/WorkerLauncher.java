package io.github.echoserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import io.github.echoserver.config.WorkerIdentity;

/**
 * Starts the process of one worker slot: the worker command, with the slot's identity and the
 * control socket in its environment, its standard input closed, and its output copied to the
 * supervisor's.
 */
final class WorkerLauncher {

	private final WorkerCommand command;

	private final Path controlSocket;

	WorkerLauncher(WorkerCommand command, Path controlSocket) {
		this.command = command;
		this.controlSocket = controlSocket;
	}

	/**
	 * Start a new process in {@code worker}'s slot, which records it.
	 * @return the process
	 * @throws IOException when no process can be started
	 */
	Process start(Worker worker) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(this.command.command()).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		environment.put(WorkerIdentity.INDEX_VARIABLE, String.valueOf(worker.index()));
		environment.put(WorkerIdentity.START_VARIABLE, String.valueOf(worker.starts()));
		environment.put(WorkerIdentity.CONTROL_SOCKET_VARIABLE, this.controlSocket.toString());
		Process process = builder.start();
		// Blocked on the (never written) stdin, a worker would learn nothing: close it at once.
		try {
			process.getOutputStream().close();
		}
		catch (IOException ex) {
			// Its stdin was never needed.
		}
		WorkerOutput output = WorkerOutput.copy(process.getInputStream(), System.out,
				"echo-worker-" + worker.index() + "-output");
		worker.started(process, output);
		return process;
	}

	@Override
	public String toString() {
		return this.command.toString();
	}

}
