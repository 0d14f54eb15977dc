package dev.postino.core.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

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

    /** Something to try again, such as a hand-off. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action} until it succeeds, at most {@code tries} times, pausing by this backoff between tries; an
     * interrupt ends the tries (and stays set). {@code retrying} hears of each failure that another try follows.
     *
     * @return empty when a try succeeded, else the last failure
     */
    public Optional<Throwable> tryTimes(int tries, Action action, BiConsumer<Integer, Throwable> retrying) {
        for (int attempt = 1; ; attempt++) {
            try {
                action.run();
                return Optional.empty();
            } catch (Exception | LinkageError e) {
                if (attempt >= tries || Thread.currentThread().isInterrupted()) {
                    return Optional.of(e);
                }
                retrying.accept(attempt, e);
                try {
                    Thread.sleep(delay(attempt).toMillis());
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                    return Optional.of(e);
                }
            }
        }
    }
}
