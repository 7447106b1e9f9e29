package io.github.echoserver.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;

/**
 * The keys of the {@code echo.*} contract, read from the structure of {@link EchoProperties} (one
 * key per record component, nested records as dotted paths, names in the dashed form Boot binds
 * them by), so that a new property is known the moment it is added; and the known key closest to a
 * mistyped one.
 */
final class EchoPropertyNames {

	private static final String PREFIX = "echo";

	/** At most this many single-character edits for a known key to be suggested, whatever its length. */
	private static final int MOST_EDITS = 3;

	private static final List<String> KNOWN = List.copyOf(namesOf(EchoProperties.class, PREFIX));

	private EchoPropertyNames() {
	}

	/** Every key of {@link EchoProperties}, e.g. {@code echo.pool.queue-capacity}, in declaration order. */
	static List<String> known() {
		return KNOWN;
	}

	/** Whether {@code name} is a known key, case and dashes aside as for {@link #closestTo}. */
	static boolean isKnown(String name) {
		String typed = comparable(name);
		return KNOWN.stream().anyMatch((known) -> typed.equals(comparable(known)));
	}

	/**
	 * The known key that {@code name} most probably meant to be, if one is close: a few edits
	 * away (a letter added, left out, changed or two swapped), fewer for short keys, so that
	 * {@code echo.mdoe} suggests {@code echo.mode} while {@code echo.x} suggests nothing. Case and
	 * dashes do not count, as the binder ignores them too ({@code echo.maxLineLength}).
	 * @param name the unknown key, e.g. {@code echo.mdoe}
	 * @return the closest known key, or empty when none is close
	 */
	static Optional<String> closestTo(String name) {
		String typed = comparable(name);
		String closest = null;
		int fewest = Integer.MAX_VALUE;
		for (String known : KNOWN) {
			int edits = edits(typed, comparable(known));
			int allowed = Math.max(1, Math.min(MOST_EDITS, (known.length() - PREFIX.length() - 1) / 3));
			if (edits <= allowed && edits < fewest) {
				closest = known;
				fewest = edits;
			}
		}
		return Optional.ofNullable(closest);
	}

	private static List<String> namesOf(Class<? extends Record> type, String prefix) {
		List<String> names = new ArrayList<>();
		for (RecordComponent component : type.getRecordComponents()) {
			String name = prefix + "." + DataObjectPropertyName.toDashedForm(component.getName());
			if (component.getType().isRecord()) {
				names.addAll(namesOf(component.getType().asSubclass(Record.class), name));
			}
			else {
				names.add(name);
			}
		}
		return names;
	}

	private static String comparable(String name) {
		return name.toLowerCase(Locale.ROOT).replace("-", "");
	}

	/** Edits from {@code a} to {@code b}: insertions, deletions, substitutions and swaps of neighbours. */
	private static int edits(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
				int cost = (a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}

}
