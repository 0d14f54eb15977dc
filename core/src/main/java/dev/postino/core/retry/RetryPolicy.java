package dev.postino.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;

import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * Decides, after each failed delivery attempt for one recipient, whether and when to try again: the first
 * matching {@link RetryRules retry rule} gives the schedule, counted from the recipient's first temporary
 * failure; over all rules a maximum queue lifetime (default 5 days; 2 days for bounces, whose sender is null)
 * ends retries too; delay warnings go out at their ages. Immutable and thread-safe when its random generator is
 * (the default, {@link Random}, is).
 *
 * <p>Final status when giving up: a 5xx reply gives its enhanced code, or {@code 5.0.0} when it has none;
 * a temporary failure that runs out of time gives {@code 4.4.7} (RFC 3463 "delivery time expired", which
 * section 3.5 calls useful only as a persistent transient error, hence class 4 with {@code Action: failed} as
 * RFC 3464 allows), and the last remote reply goes in the notification's Diagnostic-Code.
 */
public final class RetryPolicy {

    /** How long any message may stay queued, whatever the rules say. */
    public static final Duration DEFAULT_MAX_QUEUE_LIFETIME = Duration.ofDays(5);
    /** How long a message with a null sender (a bounce) may stay queued: nobody waits for it. */
    public static final Duration DEFAULT_NULL_SENDER_LIFETIME = Duration.ofDays(2);
    /** {@link #plan} stops after this many retries, so that even a one-second schedule over years terminates. */
    public static final int MAX_PLANNED_ATTEMPTS = 10_000;

    private final RetryRules rules;
    private final Duration maxQueueLifetime;
    private final Duration nullSenderLifetime;
    private final DelayWarnings warnings;
    private final RandomGenerator random;

    private RetryPolicy(RetryRules rules, Duration maxQueueLifetime, Duration nullSenderLifetime, DelayWarnings warnings,
                        RandomGenerator random) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.maxQueueLifetime = positive(maxQueueLifetime, "maxQueueLifetime");
        this.nullSenderLifetime = positive(nullSenderLifetime, "nullSenderLifetime");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** These rules with the default lifetimes and warnings. */
    public static RetryPolicy of(RetryRules rules) {
        return new RetryPolicy(rules, DEFAULT_MAX_QUEUE_LIFETIME, DEFAULT_NULL_SENDER_LIFETIME, DelayWarnings.DEFAULT, new Random());
    }

    public RetryPolicy withMaxQueueLifetime(Duration lifetime) {
        return new RetryPolicy(rules, lifetime, nullSenderLifetime, warnings, random);
    }

    public RetryPolicy withNullSenderLifetime(Duration lifetime) {
        return new RetryPolicy(rules, maxQueueLifetime, lifetime, warnings, random);
    }

    public RetryPolicy withDelayWarnings(DelayWarnings delayWarnings) {
        return new RetryPolicy(rules, maxQueueLifetime, nullSenderLifetime, delayWarnings, random);
    }

    /** The generator for H schedules' random intervals: tests pass a seeded one. */
    public RetryPolicy withRandom(RandomGenerator generator) {
        return new RetryPolicy(rules, maxQueueLifetime, nullSenderLifetime, warnings, generator);
    }

    public RetryRules rules() {
        return rules;
    }

    public DelayWarnings delayWarnings() {
        return warnings;
    }

    /**
     * The decision after an attempt at {@code now} to deliver to a recipient at {@code domain} failed.
     *
     * @param state      the recipient's state before this attempt ({@link RetryState#arrived} before the first)
     * @param nullSender whether the message has the null reverse-path (a bounce), for the shorter lifetime
     */
    public RetryDecision afterFailure(String domain, DeliveryFailure failure, RetryState state, boolean nullSender, Instant now) {
        RetryRule rule = rules.match(domain, failure);
        if (failure.isPermanent()) {
            return new RetryDecision.GiveUp(rule, failure.reply().statusOrUndefined(), RetryDecision.Reason.PERMANENT_ERROR);
        }
        Instant counted = countedTime(state, now);
        // As with Exim's cutoffs, the lifetime ends retries at the first failure after it, not at the exact age.
        if (Duration.between(state.arrival(), counted).compareTo(lifetime(nullSender)) > 0) {
            return new RetryDecision.GiveUp(rule, EnhancedStatusCode.DELIVERY_TIME_EXPIRED, RetryDecision.Reason.QUEUE_LIFETIME);
        }
        Instant firstFailure = state.firstFailure() == null ? now : state.firstFailure();
        Optional<RetrySegment> segment = rule.schedule().segmentAt(Duration.between(firstFailure, counted));
        if (segment.isEmpty()) {
            return new RetryDecision.GiveUp(rule, EnhancedStatusCode.DELIVERY_TIME_EXPIRED, RetryDecision.Reason.RETRY_TIMEOUT);
        }
        // Exim grows from the shorter of the planned and the actual gap, so a late queue run does not inflate the schedule.
        Duration previous = state.lastAttempt() == null ? Duration.ZERO : min(state.lastInterval(), Duration.between(state.lastAttempt(), counted));
        Duration interval = segment.get().nextInterval(previous, random);
        int reached = warnings.reached(state.arrival(), now);
        boolean warningDue = reached > state.warningsSent();
        return new RetryDecision.Retry(rule, counted.plus(interval), interval, warningDue,
            state.retried(counted, interval, Math.max(reached, state.warningsSent())));
    }

    /**
     * The time an attempt at {@code now} counts at: its due time when the queue ran it late by less than the planned
     * interval (queue latency must neither cost the retry planned exactly on a cutoff nor drift the schedule, so the
     * server makes the attempts {@link #plan} shows), else {@code now} (after an outage, or an early run).
     */
    private static Instant countedTime(RetryState state, Instant now) {
        if (state.lastAttempt() == null) {
            return now;
        }
        Instant due = state.lastAttempt().plus(state.lastInterval());
        boolean lateWithinInterval = due.isBefore(now) && Duration.between(due, now).compareTo(state.lastInterval()) < 0;
        return lateWithinInterval ? due : now;
    }

    /**
     * The time after which no more retries are made, for a notification's {@code Will-Retry-Until}: the earlier of
     * the rule's last cutoff after the first failure and the end of the queue lifetime. The policy gives up at the
     * first failed attempt after it.
     */
    public Instant willRetryUntil(RetryRule rule, RetryState state, boolean nullSender) {
        Instant firstFailure = state.firstFailure() == null ? state.arrival() : state.firstFailure();
        Instant cutoff = firstFailure.plus(rule.schedule().finalCutoff());
        Instant lifetimeEnd = state.arrival().plus(lifetime(nullSender));
        return cutoff.isBefore(lifetimeEnd) ? cutoff : lifetimeEnd;
    }

    /**
     * What happens to a message that arrives at {@code arrival}, is tried at once, and keeps failing with
     * {@code failure}: every retry time, the delay warnings, and when and with what status it gives up. At most
     * {@link #MAX_PLANNED_ATTEMPTS} retries are computed; beyond them the plan is {@linkplain RetryPlan#truncated()
     * truncated}.
     */
    public RetryPlan plan(String domain, DeliveryFailure failure, Instant arrival, boolean nullSender) {
        List<Instant> attempts = new ArrayList<>();
        List<Instant> warningTimes = new ArrayList<>();
        RetryState state = RetryState.arrived(arrival);
        Instant now = arrival;
        while (attempts.size() < MAX_PLANNED_ATTEMPTS) {
            RetryDecision decision = afterFailure(domain, failure, state, nullSender, now);
            if (decision instanceof RetryDecision.GiveUp giveUp) {
                return new RetryPlan(giveUp.rule(), attempts, warningTimes, now, giveUp.status(), giveUp.reason());
            }
            RetryDecision.Retry retry = (RetryDecision.Retry) decision;
            if (retry.warningDue()) {
                warningTimes.add(now);
            }
            state = retry.state();
            now = retry.nextAttempt();
            attempts.add(now);
        }
        return RetryPlan.truncated(rules.match(domain, failure), attempts, warningTimes);
    }

    /** Whether a message that arrived at {@code arrival} is, at {@code now}, within its queue lifetime. */
    public boolean withinLifetime(Instant arrival, boolean nullSender, Instant now) {
        return Duration.between(arrival, now).compareTo(lifetime(nullSender)) <= 0;
    }

    private Duration lifetime(boolean nullSender) {
        return nullSender ? nullSenderLifetime : maxQueueLifetime;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration positive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be more than 0s, was " + d);
        }
        return d;
    }
}
