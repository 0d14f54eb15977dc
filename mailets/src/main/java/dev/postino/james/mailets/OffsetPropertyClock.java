package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A report clock: a base clock plus a test-only offset named by a system property (ISO-8601, e.g. {@code P1D}),
 * read at each reading, so that a test can let the mail it needs arrive first, then move the clock past the day's
 * end: the day's report cannot go out before its evaluations are stored. Unset, it is the base clock. The DMARC
 * and TLS report senders use it.
 */
final class OffsetPropertyClock extends Clock {

    private final Clock base;
    private final String property;

    OffsetPropertyClock(Clock base, String property) {
        this.base = base;
        this.property = property;
    }

    @Override
    public Instant instant() {
        String offset = System.getProperty(property);
        return offset == null ? base.instant() : base.instant().plus(Duration.parse(offset));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the report clock is UTC");
    }
}
