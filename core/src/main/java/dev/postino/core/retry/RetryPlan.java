package dev.postino.core.retry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * What {@link RetryPolicy#plan} foresees for a message that keeps failing the same way: the rule, the retry
 * times after the first attempt (which is at arrival), the delay warnings, and the give-up time and status.
 * A permanent error has no retries and gives up at arrival.
 *
 * @param givesUp     the failed attempt after which the policy gives up; null when {@code truncated}
 * @param finalStatus the status the failure notice reports; null when {@code truncated}
 * @param reason      why it gives up; null when {@code truncated}
 * @param truncated   whether the plan stopped at {@link RetryPolicy#MAX_PLANNED_ATTEMPTS} retries before giving up
 */
public record RetryPlan(RetryRule rule, List<Instant> attempts, List<Instant> warnings, Instant givesUp,
                        EnhancedStatusCode finalStatus, RetryDecision.Reason reason, boolean truncated) {

    public RetryPlan {
        Objects.requireNonNull(rule, "rule");
        attempts = List.copyOf(attempts);
        warnings = List.copyOf(warnings);
    }

    RetryPlan(RetryRule rule, List<Instant> attempts, List<Instant> warnings, Instant givesUp,
              EnhancedStatusCode finalStatus, RetryDecision.Reason reason) {
        this(rule, attempts, warnings, Objects.requireNonNull(givesUp), Objects.requireNonNull(finalStatus),
            Objects.requireNonNull(reason), false);
    }

    static RetryPlan truncated(RetryRule rule, List<Instant> attempts, List<Instant> warnings) {
        return new RetryPlan(rule, attempts, warnings, null, null, null, true);
    }
}
