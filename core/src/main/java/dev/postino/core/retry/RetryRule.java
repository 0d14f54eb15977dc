package dev.postino.core.retry;

import java.util.Objects;

/**
 * One line of the retry rules, {@code PATTERN ERROR SCHEDULE}: for a recipient domain matching {@code domain}
 * and a failure matching {@code error}, retry on {@code schedule}.
 *
 * @param text       the rule as written (comment and surrounding blanks removed), for logs and {@code postino retry explain}
 * @param lineNumber its line in the rules text, 1-based; 0 for the built-in default rule
 */
public record RetryRule(DomainPattern domain, ErrorPattern error, RetrySchedule schedule, String text, int lineNumber) {

    public RetryRule {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(text, "text");
    }

    /** Whether this rule is for a failure delivering to {@code domain}. */
    public boolean matches(String recipientDomain, DeliveryFailure failure) {
        return domain.matches(recipientDomain) && error.matches(failure);
    }
}
