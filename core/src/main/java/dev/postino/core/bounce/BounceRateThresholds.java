package dev.postino.core.bounce;

import java.time.Duration;

/**
 * When a bounce rate is worth a warning: over {@code window}, with at least {@code minVolume} recipients, a bounce
 * rate (hard and soft) from {@code warn} is a warning and from {@code critical} critical; complaints apart, with their
 * own, much lower thresholds (ESPs suspend senders near 0.5 %).
 */
public record BounceRateThresholds(Duration window, long minVolume, double warn, double critical,
                                   double complaintWarn, double complaintCritical) {

    public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);
    public static final long DEFAULT_MIN_VOLUME = 200;

    public BounceRateThresholds {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window=" + window + ": expected a positive duration");
        }
        if (minVolume < 0) {
            throw new IllegalArgumentException("minVolume=" + minVolume + ": expected 0 or more");
        }
        check("warn", warn);
        check("critical", critical);
        check("complaintWarn", complaintWarn);
        check("complaintCritical", complaintCritical);
        if (critical < warn || complaintCritical < complaintWarn) {
            throw new IllegalArgumentException("a critical threshold must not be below its warning threshold");
        }
    }

    /** 7 days, 200 recipients, bounces 5 % / 10 %, complaints 0.1 % / 0.5 %. */
    public static BounceRateThresholds defaults() {
        return new BounceRateThresholds(DEFAULT_WINDOW, DEFAULT_MIN_VOLUME, 0.05, 0.10, 0.001, 0.005);
    }

    private static void check(String name, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException(name + "=" + value + ": expected a fraction above 0 and at most 1");
        }
    }

    /** The worse of the bounce rate's level and the complaint rate's. */
    public BounceRate.Level level(BounceRate rate) {
        if (rate.recipients() < minVolume || rate.recipients() == 0) {
            return BounceRate.Level.LOW_VOLUME;
        }
        if (rate.bounceRate() >= critical || rate.complaintRate() >= complaintCritical) {
            return BounceRate.Level.CRITICAL;
        }
        if (rate.bounceRate() >= warn || rate.complaintRate() >= complaintWarn) {
            return BounceRate.Level.WARNING;
        }
        return BounceRate.Level.OK;
    }
}
