package io.github.echoserver.admin.security;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.echoserver.admin.EchoMeter;

import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationConverter;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;

/**
 * Answers an admin request that carries no credentials or wrong ones: 401 with
 * {@code WWW-Authenticate: Basic} (Spring Security's own entry point), counted as
 * {@code echo.admin.auth.failures{reason=no-credentials|bad-credentials}}, and one WARN line
 * naming the client's address and the user name it tried, never the password; at most one line
 * per address and second ({@link PerClientLogLimit}), with how many refusals it stands for.
 * <p>
 * Both ways to be refused pass here: Spring Security's Basic filter calls its entry point on
 * wrong credentials, and its exception handling calls it for a protected request without any.
 * Counting here, rather than from authentication-failure events, counts the second kind too
 * (which raises no such event) and exactly once per refused request.
 */
class AdminAuthenticationFailures implements AuthenticationEntryPoint, MeterBinder {

	private static final Log logger = LogFactory.getLog(AdminAuthenticationFailures.class);

	/** The realm a browser shows in its password prompt. */
	static final String REALM = "echo-server admin API";

	/** Longest user name or path put in a log line: both come from the client. */
	private static final int MAX_LOGGED = 64;

	private final BasicAuthenticationEntryPoint basic = new BasicAuthenticationEntryPoint();

	private final BasicAuthenticationConverter credentials = new BasicAuthenticationConverter();

	private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

	private final PerClientLogLimit logLimit;

	AdminAuthenticationFailures(Duration logInterval) {
		this.basic.setRealmName(REALM);
		for (Reason reason : Reason.values()) {
			this.counts.put(reason, new LongAdder());
		}
		this.logLimit = new PerClientLogLimit(logInterval, System::nanoTime);
	}

	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException authException) throws IOException, ServletException {
		String user = userName(request);
		Reason reason = (user != null) ? Reason.BAD_CREDENTIALS : Reason.NO_CREDENTIALS;
		this.counts.get(reason).increment();
		String client = request.getRemoteAddr();
		long told = this.logLimit.refused(client);
		if (told > 0) {
			logger.warn("Admin API request refused from " + client
					+ ((user != null) ? ", user '" + printable(user) + "'" : "") + ": " + reason.text + " ("
					+ request.getMethod() + " " + printable(request.getRequestURI()) + ")"
					+ ((told > 1) ? "; " + told + " refusals from this address since the last line" : ""));
		}
		this.basic.commence(request, response, authException);
	}

	/**
	 * The user name of the request's Basic credentials; null when it has none. Only the name is
	 * read out: the password is never kept or shown.
	 */
	private @Nullable String userName(HttpServletRequest request) {
		try {
			UsernamePasswordAuthenticationToken token = this.credentials.convert(request);
			return (token != null) ? token.getName() : null;
		}
		catch (AuthenticationException ex) {
			// Basic but unreadable (not Base64, no colon): wrong credentials all the same.
			return "(unreadable)";
		}
	}

	/** What the client sent, safe for one log line: no control characters (no forged lines), bounded. */
	private static String printable(String text) {
		StringBuilder safe = new StringBuilder(Math.min(text.length(), MAX_LOGGED));
		text.codePoints().limit(MAX_LOGGED).forEach((c) -> safe.appendCodePoint(Character.isISOControl(c) ? '?' : c));
		return (text.codePointCount(0, text.length()) > MAX_LOGGED) ? safe + "..." : safe.toString();
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (Reason reason : Reason.values()) {
			EchoMeter.ADMIN_AUTH_FAILURES.register(meters, this.counts.get(reason), LongAdder::doubleValue,
					Tags.of("reason", reason.tag));
		}
	}

	/** Why a request was refused. */
	enum Reason {

		NO_CREDENTIALS("no-credentials", "no credentials"),

		BAD_CREDENTIALS("bad-credentials", "bad credentials");

		private final String tag;

		private final String text;

		Reason(String tag, String text) {
			this.tag = tag;
			this.text = text;
		}

	}

}
