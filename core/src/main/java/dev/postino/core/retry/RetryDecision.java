package dev.postino.core.retry;

import java.time.Duration;
import java.time.Instant;

import dev.postino.core.smtp.EnhancedStatusCode;

/** What the retry policy decides after a failed attempt: {@link Retry} at a later time, or {@link GiveUp}. */
public sealed interface RetryDecision {

    /** The rule that applied (for a permanent error: the rule the error matches, which only names it). */
    RetryRule rule();

    /**
     * Try again at {@code nextAttempt}, {@code interval} after the failed attempt.
     *
     * @param warningDue whether a delay warning should go out now (a warning age was reached since the last one)
     * @param state      the recipient's state to keep until the next attempt (this failure and warning counted)
     */
    record Retry(RetryRule rule, Instant nextAttempt, Duration interval, boolean warningDue, RetryState state)
        implements RetryDecision {
    }

    /** Stop retrying and notify the sender with {@code status} ({@code Action: failed}). */
    record GiveUp(RetryRule rule, EnhancedStatusCode status, Reason reason) implements RetryDecision {
    }

    /** Why the policy gave up. */
    enum Reason {
        /** A 5xx reply: the server refused for good. */
        PERMANENT_ERROR,
        /** The failure outlasted the last cutoff of the rule's schedule (or the schedule is empty). */
        RETRY_TIMEOUT,
        /** The message outlived the maximum queue lifetime. */
        QUEUE_LIFETIME
    }
}
