package dev.postino.core.delivery;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Where the time of one delivery attempt went, as Postfix's {@code delays=a/b/c/d}: before the outgoing queue (from
 * James receiving the mail to {@code PolicyRemoteDelivery} queuing it), in the queue (until this attempt started,
 * earlier attempts and waits included), connection setup (DNS, connecting, greeting, EHLO, STARTTLS, AUTH; every
 * host tried) and transmission (MAIL FROM to the last reply). Each part is at least zero, and {@link #total()} is
 * their sum, so the four always add up to {@code delay=} (within the rounding of {@link #seconds}).
 */
public record DeliveryDelays(Duration beforeQueue, Duration inQueue, Duration setup, Duration transmission) {

    /**
     * The parts of an attempt.
     *
     * @param received when James received the mail (null or later than {@code queued}: {@code queued})
     * @param queued   when the mail entered the outgoing queue
     * @param trace    the attempt; missing times count as the attempt taking no time at {@code fallback}
     * @param fallback the time the attempt is taken to have happened when the trace does not say
     */
    public static DeliveryDelays of(Instant received, Instant queued, AttemptTrace trace, Instant fallback) {
        Instant ended = trace != null && trace.ended() != null ? trace.ended() : fallback;
        Instant started = trace != null && trace.started() != null ? trace.started() : ended;
        Instant transmission = trace != null && trace.transmissionStarted() != null ? trace.transmissionStarted() : ended;
        Instant from = received == null || received.isAfter(queued) ? queued : received;
        return new DeliveryDelays(between(from, queued), between(queued, started), between(started, transmission),
            between(transmission, ended));
    }

    private static Duration between(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Duration.ZERO : d;
    }

    public Duration total() {
        return beforeQueue.plus(inQueue).plus(setup).plus(transmission);
    }

    /** {@code a/b/c/d} in seconds, as {@link #seconds} writes them. */
    public String format() {
        return seconds(beforeQueue) + "/" + seconds(inQueue) + "/" + seconds(setup) + "/" + seconds(transmission);
    }

    /** Seconds with at most two decimals, no trailing zeros: {@code 0}, {@code 0.05}, {@code 1.2}, {@code 3600}. */
    public static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).setScale(2, RoundingMode.HALF_UP)
            .stripTrailingZeros();
        return seconds.signum() == 0 ? "0" : seconds.toPlainString();
    }
}
