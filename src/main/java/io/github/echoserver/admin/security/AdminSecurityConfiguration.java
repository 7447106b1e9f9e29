package io.github.echoserver.admin.security;

import java.time.Duration;

import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementServerProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The admin API's one security rule. Credentials configured ({@code spring.security.user.password}
 * set; the name defaults to Boot's {@code user}): HTTP Basic against Boot's own in-memory user
 * (its password through Spring Security's delegating encoder, so {@code {bcrypt}...} works), on
 * any address, loopback included, since whoever set them wants them; {@code health} (with its
 * probe groups) and {@code prometheus} stay open to GET, for probes and scrapers that carry no
 * password. No credentials: open, as before Spring Security came, but only on loopback;
 * elsewhere the server does not start ({@link AdminCredentialsMissingException}).
 * <p>
 * Only a process with a web server has an admin API: a worker of the multi-process model has
 * none (its supervisor talks to it over the control channel), so none of this applies there.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = Type.SERVLET)
class AdminSecurityConfiguration {

	/** One WARN line per client address this often at most while it keeps being refused. */
	private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(1);

	@Bean
	AdminAuthenticationFailures adminAuthenticationFailures() {
		return new AdminAuthenticationFailures(REFUSAL_LOG_INTERVAL);
	}

	@Bean
	SecurityFilterChain adminSecurityFilterChain(HttpSecurity http, SecurityProperties security,
			Environment environment, ServerProperties server, ObjectProvider<ManagementServerProperties> management,
			AdminAuthenticationFailures failures) {
		// An API called by scripts and curl, not a browser session: no session, no saved request
		// to return to, no CSRF token (curl -u user:pass -X DELETE must work), no logout page.
		http.csrf(AbstractHttpConfigurer::disable)
			.sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.requestCache(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable);
		if (!security.getUser().isPasswordGenerated()) {
			return protectedApi(http, failures);
		}
		for (AdminListenAddress listening : AdminListenAddress.of(environment, server, management.getIfAvailable())) {
			if (!listening.loopback()) {
				throw new AdminCredentialsMissingException(listening);
			}
		}
		return http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll()).build();
	}

	private static SecurityFilterChain protectedApi(HttpSecurity http, AdminAuthenticationFailures failures) {
		return http.authorizeHttpRequests((requests) -> requests
			// The error page a 401 forwards to: refused once already, not to be counted again.
			.dispatcherTypeMatchers(DispatcherType.ERROR)
			.permitAll()
			.requestMatchers(EndpointRequest.to("health", "prometheus").withHttpMethod(HttpMethod.GET))
			.permitAll()
			.anyRequest()
			.authenticated())
			.httpBasic((basic) -> basic.realmName(AdminAuthenticationFailures.REALM).authenticationEntryPoint(failures))
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(failures))
			.build();
	}

	/**
	 * No user at all while no password is configured: otherwise Boot would make one with a
	 * generated password, and log it, for an API that is open anyway (or refuses to start).
	 */
	@Bean
	@Conditional(NoAdminCredentialsCondition.class)
	UserDetailsService noAdminUsers() {
		return new InMemoryUserDetailsManager();
	}

}
