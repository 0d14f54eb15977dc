package dev.postino.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When the sender hears that a message is late: the ages after arrival (default {@code 4h, 24h}, the issue's
 * choice; Postfix warns once, at {@code delay_warning_time}; Exim's {@code delay_warning} defaults to 24h). Like
 * Exim and Postfix, which notice delay only when they look at the message, a warning goes out with the first
 * failed attempt at or after each age; when one attempt passes several ages, one warning covers them. No warning
 * goes out with the attempt that gives up: the failure notice says more. Warnings do not repeat after the last age.
 */
public record DelayWarnings(List<Duration> ages) {

    /** Warnings after 4 hours and after 24 hours. */
    public static final DelayWarnings DEFAULT = new DelayWarnings(List.of(Duration.ofHours(4), Duration.ofHours(24)));

    /** No warnings. */
    public static final DelayWarnings NONE = new DelayWarnings(List.of());

    public DelayWarnings {
        ages = List.copyOf(ages);
        Duration before = Duration.ZERO;
        for (Duration age : ages) {
            if (age.compareTo(before) <= 0) {
                throw new IllegalArgumentException("warning ages must be more than 0s and increasing, were " + ages);
            }
            before = age;
        }
    }

    /**
     * Parses a list of ages separated by commas or colons (Exim's separator), such as {@code 4h, 24h}; blank text
     * or {@code none} is no warnings.
     *
     * @throws IllegalArgumentException naming the offending age
     */
    public static DelayWarnings parse(String text) {
        if (text.strip().equalsIgnoreCase("none")) {
            return NONE;
        }
        List<Duration> ages = new ArrayList<>();
        for (String part : text.split("[,:]")) {
            if (!part.isBlank()) {
                ages.add(TimeInterval.parse(part));
            }
        }
        return new DelayWarnings(ages);
    }

    /**
     * How many warning ages a message that arrived at {@code arrival} has reached at {@code now}. A warning is due
     * when this is more than the number already sent for the recipient.
     */
    public int reached(Instant arrival, Instant now) {
        Duration age = Duration.between(arrival, now);
        int reached = 0;
        for (Duration a : ages) {
            if (a.compareTo(age) <= 0) {
                reached++;
            }
        }
        return reached;
    }
}
