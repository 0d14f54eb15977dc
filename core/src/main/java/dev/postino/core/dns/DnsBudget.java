package dev.postino.core.dns;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one evaluation (one SPF check, one DKIM verification, one DMARC discovery) may spend on DNS:
 * a number of lookups and a total time. Every lookup made through the budget counts, whether the
 * cache answers it or the network does, so the limits an RFC sets do not depend on cache state.
 * Thread-safe: concurrent lookups of one evaluation share one budget. A budget is also the unit of the
 * per-evaluation limit on lookups in flight ({@link DnsLimits#maxInFlightPerEvaluation()}): one budget per
 * evaluation or part of one, never one shared by several evaluations.
 */
public final class DnsBudget {

    private final int maxQueries;
    private final long deadlineNanos;
    private final Duration maxTime;
    private final AtomicInteger used = new AtomicInteger();

    private DnsBudget(int maxQueries, Duration maxTime) {
        if (maxQueries < 0) {
            throw new IllegalArgumentException("maxQueries must be >= 0, was " + maxQueries);
        }
        if (maxTime.isNegative()) {
            throw new IllegalArgumentException("maxTime must be >= 0, was " + maxTime);
        }
        this.maxQueries = maxQueries;
        this.maxTime = maxTime;
        this.deadlineNanos = System.nanoTime() + saturatedNanos(maxTime);
    }

    /** A budget of {@code maxQueries} lookups and {@code maxTime} from now. */
    public static DnsBudget of(int maxQueries, Duration maxTime) {
        return new DnsBudget(maxQueries, maxTime);
    }

    /** Takes one lookup from the budget; false when none is left (nothing is taken then). */
    public boolean tryAcquireQuery() {
        while (true) {
            int current = used.get();
            if (current >= maxQueries) {
                return false;
            }
            if (used.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Lookups taken so far. */
    public int queriesUsed() {
        return used.get();
    }

    public int maxQueries() {
        return maxQueries;
    }

    public Duration maxTime() {
        return maxTime;
    }

    /** Time left before the deadline, never negative. */
    public Duration remainingTime() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    public boolean isExpired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /** The deadline on the {@link System#nanoTime()} scale. */
    long deadlineNanos() {
        return deadlineNanos;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "DnsBudget[" + used.get() + "/" + maxQueries + " queries, " + remainingTime().toMillis() + " ms left]";
    }
}
