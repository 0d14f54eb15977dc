package dev.postino.core.dns;

import java.time.Duration;

/**
 * How much of a {@link DnsClient}'s capacity one zone or one evaluation may take, and when a zone that does
 * not answer is left alone for a while. A zone is the registered domain of the asked name
 * ({@link ZoneKey}), so a sender who chooses names under their own domain competes only with themselves.
 *
 * @param maxInFlight              queries on the network at once, over all zones (each holds a socket)
 * @param maxInFlightPerZone       queries on the network at once for one zone; more wait in that zone's line
 * @param maxWaitingPerZone        queries waiting in one zone's line; past it a query fails at once as a
 *                                 temporary failure
 * @param maxInFlightPerEvaluation lookups of one {@link DnsBudget} (one SPF check, one DMARC discovery...) on
 *                                 the network at once; more wait, within the budget's time
 * @param zoneTimeouts             timeouts in a row (no answer in between) within {@code zoneTimeoutWindow}
 *                                 after which a zone is not asked for {@code zoneBackoff}; 0 never backs off
 * @param zoneTimeoutWindow        how far back those timeouts count
 * @param zoneBackoff              the first backoff; it doubles each time the zone is still silent when it
 *                                 ends, up to {@code zoneMaxBackoff}; any answer from the zone ends it
 * @param zoneMaxBackoff           the longest backoff
 */
public record DnsLimits(int maxInFlight, int maxInFlightPerZone, int maxWaitingPerZone, int maxInFlightPerEvaluation,
                        int zoneTimeouts, Duration zoneTimeoutWindow, Duration zoneBackoff, Duration zoneMaxBackoff) {

    /** Well under the 1024 file descriptors a default Linux process may hold, which James needs too. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 512;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_ZONE = 32;
    public static final int DEFAULT_MAX_WAITING_PER_ZONE = 256;
    /** SPF validates up to 10 names at once (RFC 7208 §4.6.4), and DMARC's tree walk asks up to 8. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_EVALUATION = 10;
    public static final int DEFAULT_ZONE_TIMEOUTS = 5;
    public static final Duration DEFAULT_ZONE_TIMEOUT_WINDOW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_ZONE_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_ZONE_MAX_BACKOFF = Duration.ofMinutes(5);

    /** The most any count may be: far beyond a useful value, and within what a process can hold. */
    static final int MAX_COUNT = 100_000;

    public DnsLimits {
        requireRange("maxInFlight", maxInFlight, 1);
        requireRange("maxInFlightPerZone", maxInFlightPerZone, 1);
        requireRange("maxWaitingPerZone", maxWaitingPerZone, 0);
        requireRange("maxInFlightPerEvaluation", maxInFlightPerEvaluation, 1);
        requireRange("zoneTimeouts", zoneTimeouts, 0);
        requirePositive("zoneTimeoutWindow", zoneTimeoutWindow);
        requirePositive("zoneBackoff", zoneBackoff);
        requirePositive("zoneMaxBackoff", zoneMaxBackoff);
        if (zoneMaxBackoff.compareTo(zoneBackoff) < 0) {
            throw new IllegalArgumentException("zoneMaxBackoff (" + zoneMaxBackoff + ") must be at least zoneBackoff ("
                + zoneBackoff + ")");
        }
    }

    public static DnsLimits defaults() {
        return new DnsLimits(DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT_PER_ZONE, DEFAULT_MAX_WAITING_PER_ZONE,
            DEFAULT_MAX_IN_FLIGHT_PER_EVALUATION, DEFAULT_ZONE_TIMEOUTS, DEFAULT_ZONE_TIMEOUT_WINDOW,
            DEFAULT_ZONE_BACKOFF, DEFAULT_ZONE_MAX_BACKOFF);
    }

    public DnsLimits withMaxInFlight(int value) {
        return new DnsLimits(value, maxInFlightPerZone, maxWaitingPerZone, maxInFlightPerEvaluation, zoneTimeouts,
            zoneTimeoutWindow, zoneBackoff, zoneMaxBackoff);
    }

    public DnsLimits withMaxInFlightPerZone(int value) {
        return new DnsLimits(maxInFlight, value, maxWaitingPerZone, maxInFlightPerEvaluation, zoneTimeouts,
            zoneTimeoutWindow, zoneBackoff, zoneMaxBackoff);
    }

    public DnsLimits withMaxWaitingPerZone(int value) {
        return new DnsLimits(maxInFlight, maxInFlightPerZone, value, maxInFlightPerEvaluation, zoneTimeouts,
            zoneTimeoutWindow, zoneBackoff, zoneMaxBackoff);
    }

    public DnsLimits withMaxInFlightPerEvaluation(int value) {
        return new DnsLimits(maxInFlight, maxInFlightPerZone, maxWaitingPerZone, value, zoneTimeouts,
            zoneTimeoutWindow, zoneBackoff, zoneMaxBackoff);
    }

    public DnsLimits withZoneTimeouts(int value) {
        return new DnsLimits(maxInFlight, maxInFlightPerZone, maxWaitingPerZone, maxInFlightPerEvaluation, value,
            zoneTimeoutWindow, zoneBackoff, zoneMaxBackoff);
    }

    public DnsLimits withZoneTimeoutWindow(Duration value) {
        return new DnsLimits(maxInFlight, maxInFlightPerZone, maxWaitingPerZone, maxInFlightPerEvaluation, zoneTimeouts,
            value, zoneBackoff, zoneMaxBackoff);
    }

    /** The first and the longest backoff. */
    public DnsLimits withZoneBackoff(Duration first, Duration max) {
        return new DnsLimits(maxInFlight, maxInFlightPerZone, maxWaitingPerZone, maxInFlightPerEvaluation, zoneTimeouts,
            zoneTimeoutWindow, first, max);
    }

    private static void requireRange(String name, int value, int min) {
        if (value < min || value > MAX_COUNT) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + MAX_COUNT + ", was " + value);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
