package dev.postino.core.retry;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * One parameter set of an Exim retry schedule, in force until {@code cutoff} after the first failure:
 * <ul>
 * <li>{@code F,cutoff,interval}: retry every {@code interval};</li>
 * <li>{@code G,cutoff,start,multiplier}: the first interval is {@code start}, each next one the previous one
 * times {@code multiplier} (a previous interval shorter than {@code start}, say from an earlier F segment, restarts
 * at {@code start});</li>
 * <li>{@code H,cutoff,start,multiplier}: as G, but each interval is drawn at random between {@code start} and
 * the previous interval times {@code multiplier}, so that servers restarted together drift apart.</li>
 * </ul>
 * Intervals are whole seconds (fractions are dropped), as Exim counts them.
 */
public record RetrySegment(Algorithm algorithm, Duration cutoff, Duration start, BigDecimal multiplier) {

    /** The three algorithms of Exim's retry parameter sets. */
    public enum Algorithm {
        /** Fixed intervals. */
        F,
        /** Geometrically growing intervals. */
        G,
        /** Randomized, growing intervals. */
        H
    }

    private static final BigDecimal MAX_MULTIPLIER = BigDecimal.valueOf(100);

    public RetrySegment {
        Objects.requireNonNull(algorithm, "algorithm");
        if (cutoff.isNegative() || cutoff.isZero()) {
            throw new IllegalArgumentException("the cutoff must be more than 0s");
        }
        // An interval of zero would never move the next attempt forward: the schedule would not terminate.
        if (start.toSeconds() <= 0) {
            throw new IllegalArgumentException("the interval must be at least 1s");
        }
        if (algorithm == Algorithm.F) {
            multiplier = BigDecimal.ONE;
        } else if (multiplier.compareTo(BigDecimal.ONE) < 0 || multiplier.compareTo(MAX_MULTIPLIER) > 0) {
            throw new IllegalArgumentException("the multiplier must be from 1 to 100, such as 1.5");
        }
    }

    /**
     * Parses one parameter set such as {@code G,16h,1h,1.5}.
     *
     * @throws IllegalArgumentException whose message names the text and what was expected
     */
    public static RetrySegment parse(String text) {
        String[] parts = text.strip().split("\\s*,\\s*", -1);
        String letter = parts[0].toUpperCase(Locale.ROOT);
        Algorithm algorithm = switch (letter) {
            case "F" -> Algorithm.F;
            case "G" -> Algorithm.G;
            case "H" -> Algorithm.H;
            default -> throw new IllegalArgumentException("'" + text.strip() + "': unknown algorithm '" + parts[0]
                + "': expected F,cutoff,interval or G,cutoff,start,multiplier or H,cutoff,start,multiplier");
        };
        int expected = algorithm == Algorithm.F ? 3 : 4;
        if (parts.length != expected) {
            throw new IllegalArgumentException("'" + text.strip() + "': expected "
                + (algorithm == Algorithm.F ? "F,cutoff,interval" : letter + ",cutoff,start,multiplier"));
        }
        try {
            BigDecimal multiplier = BigDecimal.ONE;
            if (algorithm != Algorithm.F) {
                if (!parts[3].matches("[0-9]{1,6}(\\.[0-9]{1,6})?")) {
                    throw new IllegalArgumentException("'" + parts[3] + "' is not a multiplier: expected a number such as 1.5");
                }
                multiplier = new BigDecimal(parts[3]);
            }
            return new RetrySegment(algorithm, TimeInterval.parse(parts[1]), TimeInterval.parse(parts[2]), multiplier);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text.strip() + "': " + e.getMessage());
        }
    }

    /**
     * The interval before the next attempt.
     *
     * @param previous the interval before the attempt that just failed ({@link Duration#ZERO} after the first
     *                 failure); growing segments grow from it
     * @param random   draws H's intervals; only H uses it
     */
    public Duration nextInterval(Duration previous, RandomGenerator random) {
        if (algorithm == Algorithm.F) {
            return start;
        }
        long startSeconds = start.toSeconds();
        long previousSeconds = previous.toSeconds();
        long grown = previousSeconds < startSeconds ? startSeconds
            : new BigDecimal(previousSeconds).multiply(multiplier).setScale(0, RoundingMode.FLOOR)
                .min(BigDecimal.valueOf(TimeInterval.MAX.toSeconds())).longValueExact();
        if (algorithm == Algorithm.G || grown <= startSeconds) {
            return Duration.ofSeconds(grown);
        }
        return Duration.ofSeconds(startSeconds + random.nextLong(grown - startSeconds + 1));
    }

    /** As written in a rule: {@code F,2h,15m}, {@code G,16h,1h,1.5}. */
    @Override
    public String toString() {
        String head = algorithm + "," + TimeInterval.format(cutoff) + "," + TimeInterval.format(start);
        return algorithm == Algorithm.F ? head : head + "," + multiplier.toPlainString();
    }
}
