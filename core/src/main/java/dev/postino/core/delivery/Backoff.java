package dev.postino.core.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounded exponential backoff: {@code initial} after the first failure in a row, doubling after each further one,
 * never more than {@code max}. Used where a process must keep trying without spinning: subscribing again to a mail
 * queue whose stream ended, handing a notice over again.
 */
public record Backoff(Duration initial, Duration max) {

    /** 100 ms, 200 ms, 400 ms, ... up to 10 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < initial <= max, was " + initial + ", " + max);
        }
    }

    /** The pause after {@code failuresInARow} failures (1 for the first). */
    public Duration delay(int failuresInARow) {
        if (failuresInARow < 1) {
            throw new IllegalArgumentException("failures in a row start at 1, was " + failuresInARow);
        }
        Duration delay = initial;
        for (int i = 1; i < failuresInARow && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
