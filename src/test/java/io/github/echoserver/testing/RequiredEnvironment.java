package io.github.echoserver.testing;

import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a test needs of the machine, such as open files. On CI ({@code CI=true}, which GitHub
 * Actions and most CI services set) the machine is made for the tests, so a missing precondition
 * fails the test: a skip there would hide that the test never ran. On a developer's machine the
 * test is skipped with the reason.
 */
public final class RequiredEnvironment {

	private RequiredEnvironment() {
	}

	/**
	 * Go on only if {@code met}.
	 * @param met whether the machine offers what the test needs
	 * @param what what it needs and what it has, for the failure or the skip
	 */
	public static void require(boolean met, Supplier<String> what) {
		if (isCi()) {
			assertThat(met).as(() -> what.get() + " (on CI, CI=true, this fails instead of skipping)").isTrue();
		}
		else {
			Assumptions.assumeTrue(met, () -> what.get() + " (skipped; on CI, CI=true, this fails)");
		}
	}

	/** Whether the tests run on CI: the environment variable {@code CI} is {@code true}. */
	public static boolean isCi() {
		return "true".equalsIgnoreCase(System.getenv("CI"));
	}

}
