package io.github.echoserver.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's "APPLICATION FAILED TO START" report, the last one in some output (the tests'
 * captured output or a child's console): the one place that knows how the report is laid out.
 * @param text the report, from its heading to the end of the output
 */
public record FailureReport(String text) {

	private static final String HEADING = "APPLICATION FAILED TO START";

	/**
	 * The last report in {@code output}.
	 * @throws AssertionError when there is none
	 */
	public static FailureReport lastIn(CharSequence output) {
		String all = output.toString();
		int report = all.lastIndexOf(HEADING);
		assertThat(report).as("a failure report in:%n%s", all).isNotNegative();
		return new FailureReport(all.substring(report));
	}

	/** The description: the text between {@code Description:} and {@code Action:}, stripped. */
	public String description() {
		return this.text.substring(this.text.indexOf("Description:") + "Description:".length(), this.text.indexOf("Action:"))
			.strip();
	}

}
