package io.github.echoserver.pipeline;

import java.net.InetAddress;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.echoserver.config.AddressRange;
import io.github.echoserver.config.EchoProperties;

/**
 * {@code echo.access.allow} and {@code echo.access.deny} matched against a client's address
 * (ncat's {@code --allow}/{@code --deny}, xinetd's {@code only_from}/{@code no_access}): a
 * denied address is refused even when it is also allowed, and an empty allow list allows every
 * address that is not denied.
 */
public final class AccessList {

	/** The rule named for an address that a non-empty allow list does not hold. */
	static final String NOT_ALLOWED = "not in echo.access.allow";

	private final AddressRange[] allow;

	private final AddressRange[] deny;

	/** The log's name for each deny entry, made once: refusals come in floods. */
	private final String[] denyRules;

	AccessList(List<AddressRange> allow, List<AddressRange> deny) {
		this.allow = allow.toArray(AddressRange[]::new);
		this.deny = deny.toArray(AddressRange[]::new);
		this.denyRules = deny.stream().map((range) -> "from " + range + " (echo.access.deny)").toArray(String[]::new);
	}

	/**
	 * The access list of the properties.
	 * @param access {@code echo.access}, already checked
	 * @return the list
	 */
	public static AccessList of(EchoProperties.Access access) {
		return new AccessList(access.allowRanges(), access.denyRanges());
	}

	/** Whether every address may connect: both lists are empty. */
	public boolean isOpen() {
		return this.allow.length == 0 && this.deny.length == 0;
	}

	/**
	 * The rule that refuses {@code address}, or {@code null} when it may connect: the first
	 * matching deny entry ({@code from 10.0.0.0/8 (echo.access.deny)}), or
	 * {@code not in echo.access.allow}. The rule names the log line of the refusal.
	 * @param address the client's address
	 * @return the rule, or null
	 */
	public @Nullable String refusal(InetAddress address) {
		for (int i = 0; i < this.deny.length; i++) {
			if (this.deny[i].contains(address)) {
				return this.denyRules[i];
			}
		}
		if (this.allow.length == 0) {
			return null;
		}
		for (AddressRange range : this.allow) {
			if (range.contains(address)) {
				return null;
			}
		}
		return NOT_ALLOWED;
	}

}
