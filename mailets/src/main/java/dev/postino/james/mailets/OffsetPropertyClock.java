package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The UTC wall clock plus a test-only offset named by a system property (ISO-8601, e.g. {@code P1D}), read at
 * each reading: a test lets the mail it needs arrive first, then moves the report clock past the day's end, so
 * that the day's report cannot go out before the day's evaluations are stored. Unset, it is the wall clock.
 */
final class OffsetPropertyClock extends Clock {

    private final String property;

    OffsetPropertyClock(String property) {
        this.property = property;
    }

    @Override
    public Instant instant() {
        String offset = System.getProperty(property);
        return offset == null ? Instant.now() : Instant.now().plus(Duration.parse(offset));
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
