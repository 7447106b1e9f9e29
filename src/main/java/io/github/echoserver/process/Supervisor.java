package io.github.echoserver.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.EchoProperties;
import io.github.echoserver.server.EchoServerLifecycle;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The supervisor of the multi-process model ({@code echo.processes > 1}): it serves no TCP; it
 * starts {@code processes} workers of this same jar with this same configuration, each binding
 * the port with {@code SO_REUSEPORT} so that the kernel spreads new connections across them.
 * <ul>
 * <li>Start: settle the port (0 becomes one free port for all), open the control socket, start
 * every worker, and return when every one listens, so that a started supervisor is a listening
 * server; a worker that fails meanwhile fails the startup, in one line with its reason. A stop
 * (Ctrl+C, SIGTERM) meanwhile ends the start at once: the workers are stopped and it returns.</li>
 * <li>Watch: a worker that exits is logged with its exit status and replaced after the back-off
 * of its {@link RestartPolicy}; the others and their clients are untouched. The replacement is
 * the standby ({@code echo.standby-process}, on by default), a worker process started ahead
 * that only has to bind the port, so the port has all its workers again within milliseconds;
 * a new standby then starts in the background. Without a ready standby, a new worker process
 * starts (seconds: a JVM and a Spring context).</li>
 * <li>Deadlines: a new process must listen (or, the standby, be ready) within
 * {@link #START_TIMEOUT}, a promoted standby within {@link #PROMOTION_TIMEOUT}, and a listening
 * worker or a ready standby must answer within {@link #UNRESPONSIVE_AFTER} (stopped with SIGSTOP,
 * or hung): else it is killed, which counts as a death.</li>
 * <li>Stop (SIGTERM, Ctrl+C): readiness goes down and every process, the standby's included,
 * gets SIGTERM, so each drains as a single process does; one still alive past
 * {@code shutdown-timeout} and {@link #EXIT_GRACE} is killed.</li>
 * </ul>
 * This class is the lifecycle; {@link Supervision} owns every slot's state on one thread, where
 * each event (a worker's control message, a process's exit, a timer, the stop) is a task handled
 * in order. Workers also leave when the supervisor dies without stopping them
 * ({@code kill -9}): see {@link WorkerAgent}.
 */
public class Supervisor implements SmartLifecycle, DisposableBean {

	/** How long a new worker process may take to listen, or the standby to be ready: JVM starts, on a busy machine, all at once. */
	static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	/** How long a promoted standby may take to listen: its context is up, it only binds. */
	static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(10);

	/** A worker's process gets this long beyond {@code shutdown-timeout} to drain and exit before it is killed. */
	static final Duration EXIT_GRACE = Duration.ofSeconds(10);

	/** How often each worker's figures are refreshed for the meters, and each process asked whether it lives. */
	static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

	/** How long a worker may take to answer one of the supervisor's questions: the admin view waits no longer. */
	static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);

	/** How long a worker may take to list its connections, which can be many. */
	static final Duration LIST_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * A listening worker or a ready standby that says nothing for this long, while it is asked
	 * every second, is stopped or hung: it is killed and replaced. Left alone, a worker's
	 * listening socket would go on taking its share of new connections, which nobody would ever
	 * accept, and a standby would be promoted to do nothing.
	 */
	static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(10);

	/** A ready standby silent for longer than this is not promoted: a new process is started instead. */
	static final Duration PROMOTABLE_SILENCE = POLL_INTERVAL.multipliedBy(5);

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private final EchoProperties properties;

	private final String[] arguments;

	private final ApplicationEventPublisher publisher;

	private final List<Worker> workers;

	/** The standby's slot, index 0: empty when {@code echo.standby-process} is off. */
	private final Worker standby = new Worker(0);

	private final Supervision supervision;

	private volatile @Nullable ControlServer control;

	private volatile int port;

	private volatile boolean running;

	public Supervisor(EchoProperties properties, String[] arguments, ApplicationEventPublisher publisher) {
		this.properties = properties;
		this.arguments = arguments.clone();
		this.publisher = publisher;
		this.workers = IntStream.rangeClosed(1, properties.processes()).mapToObj(Worker::new).toList();
		this.supervision = new Supervision(properties, this.workers, this.standby);
		this.port = properties.port();
	}

	@Override
	public void start() {
		// Ctrl+C reaches the workers too (one process group), and they may exit before the context's
		// shutdown calls stop(), or while this start still waits for them: from the first moment of
		// the JVM's shutdown, the supervisor stops (no worker is replaced, a start under way ends).
		Runtime.getRuntime().addShutdownHook(new Thread(() -> this.supervision.stop(true), "echo-supervisor-shutdown"));
		this.port = SharedPort.settle(this.properties);
		Integer tlsPort = this.properties.ssl().port();
		if (tlsPort != null) {
			tlsPort = SharedPort.settle(this.properties, tlsPort);
		}
		ControlServer control;
		try {
			control = ControlServer.open(new ControlReader(this.supervision));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open the supervisor's control socket: " + ex.getMessage(), ex);
		}
		this.control = control;
		WorkerLauncher launcher = new WorkerLauncher(WorkerCommand.of(this.arguments, this.port, tlsPort), control.socket());
		logger.info("Starting " + this.workers.size() + " worker processes for " + this.properties.address() + ":"
				+ this.port);
		logger.debug("Worker command: " + launcher);
		this.supervision.launchWorkers(launcher, this.port);
		boolean listening;
		try {
			// Every worker's start has its own deadline; this bound only guards against a bug.
			listening = this.supervision.started().get(START_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException | InterruptedException ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			this.supervision.stop(false);
			this.supervision.awaitStopped();
			throw (ex.getCause() instanceof WorkerStartException failed) ? failed
					: new WorkerStartException(0, "not every worker listens", ex.toString());
		}
		if (!listening) {
			// Stopped while starting: the workers are stopping already.
			this.supervision.awaitStopped();
			return;
		}
		this.supervision.watchAll();
		this.running = true;
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		this.supervision.stop(true);
		this.supervision.awaitStopped();
	}

	/** Whatever happened before: no worker outlives the supervisor's context. */
	@Override
	public void destroy() {
		this.supervision.shutdown();
		ControlServer control = this.control;
		if (control != null) {
			control.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** The same phase as a single process's listener: it stops before the admin web server. */
	@Override
	public int getPhase() {
		return EchoServerLifecycle.PHASE;
	}

	List<Worker> workers() {
		return this.workers;
	}

	EchoProperties properties() {
		return this.properties;
	}

	/** The standby's state: a {@link WorkerState} value, or {@code off}. */
	String standbyState() {
		return this.properties.standbyProcess() ? this.standby.state().value() : "off";
	}

	/** The standby's pid, or null when there is no standby process now. */
	@Nullable Long standbyPid() {
		Process process = this.standby.process();
		return (process != null) ? process.pid() : null;
	}

	int port() {
		return this.port;
	}

	@Nullable Instant since() {
		return this.supervision.since();
	}

}
