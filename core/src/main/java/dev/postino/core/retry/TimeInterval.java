package dev.postino.core.retry;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exim's time interval syntax: numbers each followed by a unit, {@code s m h d w}, with no space between, and
 * summed: {@code 15m}, {@code 1h30m}, {@code 4d}. A bare number has no unit and is refused, as Exim refuses it.
 */
public final class TimeInterval {

    /** Beyond ten years a value is surely a typing mistake; the cap also keeps the arithmetic far from overflow. */
    static final Duration MAX = Duration.ofDays(3650);

    private static final Pattern WHOLE = Pattern.compile("([0-9]+[smhdw])+");
    private static final Pattern PART = Pattern.compile("([0-9]+)([smhdw])");

    private TimeInterval() {
    }

    /**
     * Parses {@code 1h30m}. Units are case-insensitive.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Duration parse(String text) {
        String lower = text.strip().toLowerCase(Locale.ROOT);
        if (!WHOLE.matcher(lower).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a time: expected numbers with units s, m, h, d or w, such as 15m or 1h30m");
        }
        long seconds = 0;
        Matcher m = PART.matcher(lower);
        while (m.find()) {
            if (m.group(1).length() > 9) {
                throw tooLong(text);
            }
            long unit = switch (m.group(2)) {
                case "s" -> 1;
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86_400;
                default -> 604_800;
            };
            seconds += Long.parseLong(m.group(1)) * unit;
            if (seconds > MAX.toSeconds()) {
                throw tooLong(text);
            }
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * Parses a time that must be more than zero, such as a lifetime.
     *
     * @throws IllegalArgumentException as {@link #parse}, or for {@code 0s}
     */
    public static Duration parsePositive(String text) {
        Duration value = parse(text);
        if (value.isZero()) {
            throw new IllegalArgumentException("must be more than 0s");
        }
        return value;
    }

    /** Formats a duration the same way, largest units first: {@code 1d2h30m}, {@code 0s}; sub-second parts are dropped. */
    public static String format(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds == 0) {
            return "0s";
        }
        StringBuilder s = new StringBuilder();
        if (seconds < 0) {
            s.append('-');
            seconds = -seconds;
        }
        long[] units = {86_400, 3600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (seconds >= units[i]) {
                s.append(seconds / units[i]).append(names[i]);
                seconds %= units[i];
            }
        }
        return s.toString();
    }

    private static IllegalArgumentException tooLong(String text) {
        return new IllegalArgumentException("'" + text + "' is too long: at most " + MAX.toDays() + "d");
    }
}
