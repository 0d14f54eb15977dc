package dev.postino.core.suppression;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a bounce puts an address on the suppression list, and for how long: a hard bounce or a complaint at once;
 * soft bounces once {@code softLimit} of them arrived within {@code softWindow}; each entry for {@code expiry}.
 * {@link #decide} is a pure function; {@link SuppressionList} keeps the state.
 */
public record SuppressionPolicy(int softLimit, Duration softWindow, Duration expiry) {

    public static final int DEFAULT_SOFT_LIMIT = 5;
    public static final Duration DEFAULT_SOFT_WINDOW = Duration.ofDays(7);
    public static final Duration DEFAULT_EXPIRY = Duration.ofDays(90);

    public SuppressionPolicy {
        if (softLimit < 1) {
            throw new IllegalArgumentException("softLimit=" + softLimit + ": expected at least 1");
        }
        if (softWindow.isNegative() || softWindow.isZero()) {
            throw new IllegalArgumentException("softWindow=" + softWindow + ": expected a positive duration");
        }
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("expiry=" + expiry + ": expected a positive duration");
        }
    }

    public static SuppressionPolicy defaults() {
        return new SuppressionPolicy(DEFAULT_SOFT_LIMIT, DEFAULT_SOFT_WINDOW, DEFAULT_EXPIRY);
    }

    /**
     * What the list holds for the event's address after {@code event}.
     *
     * @param softInWindow the soft bounces of this address within {@link #softWindow}, {@code event} included
     * @param current      the address's entry before the event, if it is on the list now (active)
     * @return the entry to keep; empty when the address stays off the list
     */
    public Optional<SuppressionEntry> decide(BounceEvent event, int softInWindow, Optional<SuppressionEntry> current) {
        Instant now = event.at();
        boolean suppressesNow = switch (event.kind()) {
            case HARD, COMPLAINT -> true;
            case SOFT -> softInWindow >= softLimit;
        };
        Instant until = now.plus(expiry);
        SuppressionSource source = event.kind() == BounceEvent.Kind.COMPLAINT ? SuppressionSource.COMPLAINT : SuppressionSource.BOUNCE;
        boolean hard = event.kind() == BounceEvent.Kind.HARD;
        Optional<SuppressionEntry> active = current.filter(entry -> entry.activeAt(now));
        if (active.isPresent()) {
            SuppressionEntry entry = active.get();
            // on the list already: the latest bounce is what it shows; a bounce that suppresses by itself extends it
            Optional<Instant> expires = entry.expires().isEmpty() || !suppressesNow ? entry.expires()
                : Optional.of(until.isAfter(entry.expires().get()) ? until : entry.expires().get());
            return Optional.of(new SuppressionEntry(entry.address(), event.reason(), event.status(), hard, event.diagnostic(),
                entry.source() == SuppressionSource.MANUAL ? SuppressionSource.MANUAL : source, entry.bounces() + 1,
                entry.first(), now, expires));
        }
        if (!suppressesNow) {
            return Optional.empty();
        }
        int bounces = event.kind() == BounceEvent.Kind.SOFT ? softInWindow : 1;
        return Optional.of(new SuppressionEntry(event.address(), event.reason(), event.status(), hard, event.diagnostic(),
            source, bounces, now, now, Optional.of(until)));
    }
}
