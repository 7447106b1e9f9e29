package io.github.echoserver.admin.security;

/**
 * The admin API would listen off loopback with no credentials configured: anyone who reaches
 * the port could list every client and close any connection. Reported at startup as one line
 * by {@link AdminCredentialsFailureAnalyzer}.
 */
public class AdminCredentialsMissingException extends RuntimeException {

	private final String property;

	AdminCredentialsMissingException(AdminListenAddress listening) {
		super("The admin API listens on " + listening.describe() + " without credentials: set "
				+ "spring.security.user.name and spring.security.user.password (a {bcrypt} hash works), "
				+ "or bind it to 127.0.0.1");
		this.property = listening.property();
	}

	/** The address property to change, e.g. {@code server.address}. */
	public String getProperty() {
		return this.property;
	}

}
