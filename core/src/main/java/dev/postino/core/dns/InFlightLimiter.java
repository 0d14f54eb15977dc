package dev.postino.core.dns;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Decides when a lookup may go to the network (the {@link DnsLimits}): at most so many at once per evaluation,
 * per zone and in all; a lookup over a limit waits in line (its evaluation's, then its zone's), and one
 * that finds its zone's line full, or its zone backing off, is refused at once. When capacity is short
 * overall, the zones waiting for it take turns (round robin), so a zone with many waiting lookups does not
 * delay the others' by more than one turn each.
 *
 * <p>Backoff: {@code zoneTimeouts} timeouts in a row for a zone (no answer in between) within the window
 * stop queries to it for {@code zoneBackoff}; if it is still silent when asked again afterwards, the next
 * backoff is twice as long, up to {@code zoneMaxBackoff}. Any answer (records, NXDOMAIN, NODATA) resets it.
 * A refusal is a temporary failure and never cached. A zone nothing is known about is forgotten.
 *
 * <p>Runs on the {@link DnsLoop} thread only: no locks. Tickets hear of admission or refusal on a later turn
 * of the loop, never from inside a call to this class.
 */
final class InFlightLimiter {

    /** A lookup as the limiter sees it. */
    abstract static class Ticket {
        private final DnsBudget budget;
        private final String zone;
        private State state = State.NEW;

        Ticket(DnsBudget budget, String zone) {
            this.budget = budget;
            this.zone = zone;
        }

        String zone() {
            return zone;
        }

        /** May go to the network now; {@link #release} once it is done. */
        abstract void admitted();

        /** Will not go to the network: a temporary failure for {@code reason}. */
        abstract void refused(String reason);
    }

    private enum State { NEW, WAITING_FOR_EVALUATION, WAITING_FOR_ZONE, RUNNING, DONE }

    /** What a test or a metric may see of one zone. */
    record ZoneLoad(int inFlight, int waiting, boolean backingOff) {
    }

    /** What a test may see of one evaluation: lookups holding its slots, and lookups waiting for one. */
    record EvaluationLoad(int admitted, int waiting) {
    }

    private static final class Evaluation {
        int inFlight;
        final Deque<Ticket> waiting = new ArrayDeque<>();
    }

    private static final class Zone {
        final String name;
        int inFlight;
        final Deque<Ticket> waiting = new ArrayDeque<>();
        boolean inTurn;
        /** Times of the timeouts since the last answer, oldest first, at most zoneTimeouts of them. */
        final Deque<Instant> timeouts = new ArrayDeque<>();
        /** Backoffs since the last answer: the next one lasts zoneBackoff * 2^backoffs. */
        int backoffs;
        Instant backoffUntil;

        Zone(String name) {
            this.name = name;
        }
    }

    /** How often zones nothing is known about any more are dropped. */
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);

    private final DnsLimits limits;
    private final Clock clock;
    private final DnsLoop loop;
    private final Map<DnsBudget, Evaluation> evaluations = new IdentityHashMap<>();
    private final Map<String, Zone> zones = new HashMap<>();
    /** Zones with lookups waiting only for overall capacity, in turn order. */
    private final Deque<Zone> turns = new ArrayDeque<>();
    private int inFlight;
    private long refused;

    InFlightLimiter(DnsLimits limits, Clock clock, DnsLoop loop) {
        this.limits = limits;
        this.clock = clock;
        this.loop = loop;
    }

    /** Starts the periodic sweep; call once, on the loop thread. */
    void start() {
        loop.schedule(System.nanoTime() + SWEEP_INTERVAL.toNanos(), this::sweep);
    }

    /** A new lookup asks to go to the network. */
    void request(Ticket ticket) {
        String backoff = backoffRefusal(ticket.zone);
        if (backoff != null) {
            refuse(ticket, backoff);
            return;
        }
        Evaluation evaluation = evaluations.computeIfAbsent(ticket.budget, b -> new Evaluation());
        if (evaluation.inFlight >= limits.maxInFlightPerEvaluation()) {
            evaluation.waiting.add(ticket);
            ticket.state = State.WAITING_FOR_EVALUATION;
            return;
        }
        evaluation.inFlight++;
        if (!enterZone(ticket)) {
            releaseEvaluation(ticket.budget);
        }
    }

    /** A running lookup is done with the network. */
    void release(Ticket ticket) {
        if (ticket.state != State.RUNNING) {
            return;
        }
        ticket.state = State.DONE;
        Zone zone = zones.get(ticket.zone);
        zone.inFlight--;
        inFlight--;
        if (!zone.waiting.isEmpty()) {
            giveTurn(zone);
        }
        releaseEvaluation(ticket.budget);
        pump();
        forgetIfIdle(zone);
    }

    /** A lookup ends whatever its state (its time ran out while waiting, or the client closes). */
    void abandon(Ticket ticket) {
        switch (ticket.state) {
            case WAITING_FOR_EVALUATION -> {
                ticket.state = State.DONE;
                Evaluation evaluation = evaluations.get(ticket.budget);
                evaluation.waiting.remove(ticket);
                if (evaluation.inFlight == 0 && evaluation.waiting.isEmpty()) {
                    evaluations.remove(ticket.budget);
                }
            }
            case WAITING_FOR_ZONE -> {
                ticket.state = State.DONE;
                Zone zone = zones.get(ticket.zone);
                zone.waiting.remove(ticket);
                releaseEvaluation(ticket.budget);
                forgetIfIdle(zone);
            }
            case RUNNING -> release(ticket);
            default -> ticket.state = State.DONE;
        }
    }

    /** The zone answered (records, NXDOMAIN or NODATA): whatever it did before is forgiven. */
    void answered(String zoneName) {
        Zone zone = zones.get(zoneName);
        if (zone != null) {
            zone.timeouts.clear();
            zone.backoffs = 0;
            zone.backoffUntil = null;
        }
    }

    /** A query to the zone got no answer in time. */
    void timedOut(String zoneName) {
        if (limits.zoneTimeouts() == 0) {
            return;
        }
        Zone zone = zones.computeIfAbsent(zoneName, Zone::new);
        Instant now = clock.instant();
        if (zone.backoffUntil != null && now.isBefore(zone.backoffUntil)) {
            return; // a query sent before the backoff began: it is already counted in
        }
        if (zone.backoffs > 0) {
            backOff(zone, now); // asked again after a backoff, and still silent
            return;
        }
        Instant windowStart = now.minus(limits.zoneTimeoutWindow());
        while (!zone.timeouts.isEmpty() && !zone.timeouts.peekFirst().isAfter(windowStart)) {
            zone.timeouts.pollFirst();
        }
        zone.timeouts.addLast(now);
        if (zone.timeouts.size() >= limits.zoneTimeouts()) {
            zone.timeouts.clear();
            backOff(zone, now);
        }
    }

    private void backOff(Zone zone, Instant now) {
        Duration length = limits.zoneBackoff();
        for (int i = 0; i < zone.backoffs && length.compareTo(limits.zoneMaxBackoff()) < 0; i++) {
            length = length.multipliedBy(2);
        }
        if (length.compareTo(limits.zoneMaxBackoff()) > 0) {
            length = limits.zoneMaxBackoff();
        }
        zone.backoffs++;
        zone.backoffUntil = now.plus(length);
        String reason = backoffRefusal(zone, now);
        while (!zone.waiting.isEmpty()) {
            Ticket waiting = zone.waiting.poll();
            refuse(waiting, reason);
            releaseEvaluation(waiting.budget);
        }
    }

    /** Why a query to {@code zoneName} is not sent now, or null when it may be. */
    String backoffRefusal(String zoneName) {
        Zone zone = zones.get(zoneName);
        return zone == null ? null : backoffRefusal(zone, clock.instant());
    }

    private String backoffRefusal(Zone zone, Instant now) {
        if (zone.backoffUntil == null || !now.isBefore(zone.backoffUntil)) {
            return null;
        }
        long seconds = Math.max(1, Duration.between(now, zone.backoffUntil).toSeconds());
        return "timeout: zone " + zone.name + " is not answering (" + describeSilence(zone)
            + "); not asked again for " + seconds + " s";
    }

    private String describeSilence(Zone zone) {
        return zone.backoffs <= 1 ? limits.zoneTimeouts() + " timeouts in a row"
            : "still silent after " + (zone.backoffs - 1) + " backoff" + (zone.backoffs > 2 ? "s" : "");
    }

    /** Puts an admitted ticket (holding an evaluation slot) in its zone; false if it was refused. */
    private boolean enterZone(Ticket ticket) {
        String backoff = backoffRefusal(ticket.zone);
        if (backoff != null) {
            refuse(ticket, backoff);
            return false;
        }
        Zone zone = zones.computeIfAbsent(ticket.zone, Zone::new);
        boolean room = zone.inFlight < limits.maxInFlightPerZone();
        // while zones take turns for overall capacity, a newcomer takes its turn too
        if (room && zone.waiting.isEmpty() && inFlight < limits.maxInFlight() && turns.isEmpty()) {
            run(zone, ticket);
            return true;
        }
        if (zone.waiting.size() >= limits.maxWaitingPerZone()) {
            refuse(ticket, "too many queries for zone " + zone.name + " (" + zone.inFlight + " in flight, "
                + zone.waiting.size() + " waiting)");
            forgetIfIdle(zone);
            return false;
        }
        zone.waiting.add(ticket);
        ticket.state = State.WAITING_FOR_ZONE;
        if (room) {
            giveTurn(zone);
            pump();
        }
        return true;
    }

    private void releaseEvaluation(DnsBudget budget) {
        Evaluation evaluation = evaluations.get(budget);
        evaluation.inFlight--;
        while (evaluation.inFlight < limits.maxInFlightPerEvaluation() && !evaluation.waiting.isEmpty()) {
            Ticket next = evaluation.waiting.poll();
            evaluation.inFlight++;
            if (!enterZone(next)) {
                evaluation.inFlight--;
            }
        }
        if (evaluation.inFlight == 0 && evaluation.waiting.isEmpty()) {
            evaluations.remove(budget);
        }
    }

    /** Hands free overall capacity to the zones waiting for it, one lookup per zone per turn. */
    private void pump() {
        while (inFlight < limits.maxInFlight() && !turns.isEmpty()) {
            Zone zone = turns.poll();
            zone.inTurn = false;
            if (zone.waiting.isEmpty() || zone.inFlight >= limits.maxInFlightPerZone()) {
                continue; // its own limit holds it; its next release gives it a turn again
            }
            run(zone, zone.waiting.poll());
            if (!zone.waiting.isEmpty()) {
                giveTurn(zone);
            }
        }
    }

    private void giveTurn(Zone zone) {
        if (!zone.inTurn && zone.inFlight < limits.maxInFlightPerZone()) {
            turns.add(zone);
            zone.inTurn = true;
        }
    }

    private void run(Zone zone, Ticket ticket) {
        zone.inFlight++;
        inFlight++;
        ticket.state = State.RUNNING;
        loop.execute(ticket::admitted); // refused only once the loop is closed, and the client then ends every lookup
    }

    private void refuse(Ticket ticket, String reason) {
        ticket.state = State.DONE;
        refused++;
        loop.execute(() -> ticket.refused(reason));
    }

    private void forgetIfIdle(Zone zone) {
        if (forgettable(zone, clock.instant())) {
            zones.remove(zone.name);
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        zones.values().removeIf(zone -> forgettable(zone, now));
        loop.schedule(System.nanoTime() + SWEEP_INTERVAL.toNanos(), this::sweep);
    }

    /** Nothing in flight or waiting, no recent timeout, no backoff that a new silence would double. */
    private boolean forgettable(Zone zone, Instant now) {
        if (zone.inFlight > 0 || !zone.waiting.isEmpty()) {
            return false;
        }
        boolean recentTimeouts = !zone.timeouts.isEmpty()
            && zone.timeouts.peekLast().isAfter(now.minus(limits.zoneTimeoutWindow()));
        // after a backoff the zone stays on probation (the next silence doubles it) for one longest backoff
        boolean onProbation = zone.backoffUntil != null && now.isBefore(zone.backoffUntil.plus(limits.zoneMaxBackoff()));
        return !recentTimeouts && !onProbation;
    }

    ZoneLoad zoneLoad(String zoneName) {
        Zone zone = zones.get(zoneName);
        return zone == null ? new ZoneLoad(0, 0, false)
            : new ZoneLoad(zone.inFlight, zone.waiting.size(), backoffRefusal(zone, clock.instant()) != null);
    }

    /** Lookups of {@code budget} past its evaluation's limit (on the network or in a zone's line), and before it. */
    EvaluationLoad evaluationLoad(DnsBudget budget) {
        Evaluation evaluation = evaluations.get(budget);
        return evaluation == null ? new EvaluationLoad(0, 0) : new EvaluationLoad(evaluation.inFlight, evaluation.waiting.size());
    }

    int inFlight() {
        return inFlight;
    }

    long refused() {
        return refused;
    }

    int knownZones() {
        return zones.size();
    }
}
