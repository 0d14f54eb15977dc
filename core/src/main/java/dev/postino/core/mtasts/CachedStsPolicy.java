package dev.postino.core.mtasts;

import java.time.Instant;
import java.util.Objects;

/**
 * A policy as a sender keeps it (RFC 8461 section 5.1): for a domain, under the id of the TXT record that announced it,
 * valid until {@code fetchedAt} plus its {@code max_age}.
 */
public record CachedStsPolicy(String domain, String id, StsPolicy policy, Instant fetchedAt) {

    public CachedStsPolicy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(fetchedAt, "fetchedAt");
    }

    public Instant expiresAt() {
        return fetchedAt.plus(policy.maxAge());
    }

    /** Whether the policy may still be used at {@code now}. */
    public boolean validAt(Instant now) {
        return now.isBefore(expiresAt());
    }

    /** Whether it is time to fetch it again, while still valid: past three quarters of its max_age. */
    public boolean refreshDueAt(Instant now) {
        return !now.isBefore(fetchedAt.plus(policy.maxAge().multipliedBy(3).dividedBy(4)));
    }
}
