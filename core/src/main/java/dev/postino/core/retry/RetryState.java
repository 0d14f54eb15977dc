package dev.postino.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the retry policy needs to know about one recipient of one message between attempts; the delivery
 * mailet keeps it on the mail so that it survives the queue.
 *
 * @param arrival      when the message arrived
 * @param firstFailure the first temporary failure for this recipient, or null before any
 * @param lastAttempt  when the last failed attempt counted (its due time when the queue ran it a little late), or null before any
 * @param lastInterval the interval planned after the last failed attempt ({@link Duration#ZERO} before any):
 *                     growing schedules grow from it
 * @param failures     how many attempts have failed so far
 * @param warningsSent how many delay warnings were sent for this recipient
 */
public record RetryState(Instant arrival, Instant firstFailure, Instant lastAttempt, Duration lastInterval, int failures,
                         int warningsSent) {

    public RetryState {
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(lastInterval, "lastInterval");
    }

    /** A recipient of a message that arrived at {@code arrival} and has not been tried yet. */
    public static RetryState arrived(Instant arrival) {
        return new RetryState(arrival, null, null, Duration.ZERO, 0, 0);
    }

    /** The state after an attempt at {@code now} failed, the next one is {@code interval} away, and {@code warningsSent} warnings went out. */
    RetryState retried(Instant now, Duration interval, int warningsSent) {
        return new RetryState(arrival, firstFailure == null ? now : firstFailure, now, interval, failures + 1, warningsSent);
    }
}
