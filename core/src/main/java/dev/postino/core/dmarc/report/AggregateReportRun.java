package dev.postino.core.dmarc.report;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One pass of aggregate reporting: for every reporting period that ended ({@link #SETTLE} ago or more) within the
 * look-back window, every policy domain with evaluations in it, and every {@code rua} destination of its record, send the report unless the
 * ledger says it went. External destinations are verified first (RFC 9990 §4), size limits honoured (after gzip
 * and base64), and each sending is claimed in the ledger before it starts, so that two nodes sharing the store
 * send once; a failed sending gives its claim back and is tried on the next run. One domain's rows are in memory
 * at a time. Not thread-safe (one run at a time per instance).
 */
public final class AggregateReportRun {

    /**
     * How long after a period's end its report waits: evaluations of mail that was in the SMTP session at midnight,
     * or recorded by a node whose clock runs a little behind, still land in the period before it is reported.
     */
    public static final Duration SETTLE = Duration.ofMinutes(15);

    /** What happened to one (policy domain, destination, period). */
    public enum Status { SENT, ALREADY_SENT, REFUSED, TOO_LARGE, UNSUPPORTED, TEMPORARY, FAILED }

    /**
     * One destination's outcome.
     *
     * @param policyDomain the report's policy domain
     * @param destination  the URI from the record, or the verified override sent to
     * @param periodBegin  the period's start
     * @param status       what happened
     * @param detail       why, for the log
     */
    public record Delivery(String policyDomain, String destination, Instant periodBegin, Status status, String detail) {
    }

    private final DmarcReportStore store;
    private final DestinationVerifier verifier;
    private final ReportTransport transport;
    private final ReporterIdentity reporter;
    private final ReportingPeriod period;
    private final Duration lookback;
    private final Duration verifyTimeout;
    private final Clock clock;

    /**
     * @param lookback how far back unsent periods are still reported (and evaluations kept a period longer)
     */
    public AggregateReportRun(DmarcReportStore store, DestinationVerifier verifier, ReportTransport transport,
                              ReporterIdentity reporter, ReportingPeriod period, Duration lookback, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.period = Objects.requireNonNull(period, "period");
        this.lookback = Objects.requireNonNull(lookback, "lookback");
        this.verifyTimeout = Duration.ofSeconds(30);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Builds the reports {@code store} holds for the period starting at {@code begin}, one per policy domain. */
    public static List<AggregateReport> reports(DmarcReportStore store, ReporterIdentity reporter, Instant begin,
                                                Instant end) {
        List<AggregateReport> out = new ArrayList<>();
        for (String domain : store.policyDomains(begin, end)) {
            store.domain(domain, begin, end).filter(d -> !d.rows().isEmpty())
                .ifPresent(d -> out.add(new AggregateReport(reporter, d.published(), begin, end, d.rows())));
        }
        return out;
    }

    /** Runs once; returns what happened to each destination. Never throws for a single report's trouble. */
    public List<Delivery> run() {
        Instant now = clock.instant();
        List<Delivery> deliveries = new ArrayList<>();
        for (Instant begin : period.completedBefore(now.minus(SETTLE), lookback)) {
            Instant end = begin.plus(period.length());
            for (String domain : store.policyDomains(begin, end)) {
                Optional<DomainEvaluations> evaluations = store.domain(domain, begin, end);
                if (evaluations.isEmpty() || evaluations.get().rows().isEmpty()) {
                    continue;
                }
                report(new AggregateReport(reporter, evaluations.get().published(), begin, end,
                    evaluations.get().rows()), deliveries);
            }
        }
        store.purge(now.minus(lookback).minus(period.length()));
        return deliveries;
    }

    private void report(AggregateReport report, List<Delivery> deliveries) {
        String domain = report.policyDomain();
        Instant begin = report.begin();
        byte[] gzip = null;
        for (String uri : report.published().rua()) {
            Optional<ReportDestination> parsed = ReportDestination.parse(uri);
            if (parsed.isEmpty()) {
                deliveries.add(new Delivery(domain, uri, begin, Status.UNSUPPORTED, "not a usable mailto: URI"));
                continue;
            }
            if (store.sent(domain, key(parsed.get()), begin)) {
                deliveries.add(new Delivery(domain, uri, begin, Status.ALREADY_SENT, ""));
                continue;
            }
            DestinationVerifier.Verification verification = verify(domain, parsed.get());
            if (verification.outcome() != DestinationVerifier.Outcome.AUTHORIZED) {
                deliveries.add(new Delivery(domain, uri, begin, verification.outcome() == DestinationVerifier.Outcome.REFUSED
                    ? Status.REFUSED : Status.TEMPORARY, verification.reason()));
                continue;
            }
            for (ReportDestination destination : verification.destinations()) {
                if (gzip == null) {
                    gzip = report.gzip();
                }
                long size = ReportDestination.base64Size(gzip.length);
                if (!destination.accepts(size)) {
                    deliveries.add(new Delivery(domain, destination.uri(), begin, Status.TOO_LARGE,
                        size + " octets encoded, limit " + destination.maxBytes().getAsLong()));
                    continue;
                }
                deliveries.add(send(report, gzip, destination));
            }
        }
    }

    private Delivery send(AggregateReport report, byte[] gzip, ReportDestination destination) {
        String domain = report.policyDomain();
        Instant begin = report.begin();
        String key = key(destination);
        if (!store.claim(domain, key, begin, clock.instant(), Duration.ofHours(1))) {
            return new Delivery(domain, destination.uri(), begin, Status.ALREADY_SENT, "sent or being sent");
        }
        try {
            transport.send(report, gzip, destination);
        } catch (Exception | LinkageError e) {
            store.release(domain, key, begin);
            return new Delivery(domain, destination.uri(), begin, Status.FAILED, String.valueOf(e));
        }
        store.markSent(domain, key, begin, clock.instant(), report.reportId());
        return new Delivery(domain, destination.uri(), begin, Status.SENT, report.reportId());
    }

    private DestinationVerifier.Verification verify(String domain, ReportDestination destination) {
        try {
            return verifier.verify(domain, destination).get(verifyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DestinationVerifier.Verification(DestinationVerifier.Outcome.TEMPORARY, List.of(), "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return new DestinationVerifier.Verification(DestinationVerifier.Outcome.TEMPORARY, List.of(), String.valueOf(e));
        }
    }

    /** The ledger's name for a destination: its mailbox, lowercase. */
    private static String key(ReportDestination destination) {
        return "mailto:" + destination.address().toLowerCase(Locale.ROOT);
    }
}
