package dev.postino.core.dmarc.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where evaluations wait for their aggregate report, and the ledger of reports sent. Implementations are
 * thread-safe, and the ledger is shared by every node that reports (so that a report goes out once).
 */
public interface DmarcReportStore {

    /** Keeps one evaluation. */
    void add(Evaluation evaluation);

    /** Keeps many evaluations (one transaction where the store has them). */
    default void addAll(java.util.List<Evaluation> evaluations) {
        evaluations.forEach(this::add);
    }

    /** The policy domains with evaluations in {@code [begin, end)}, in order. */
    List<String> policyDomains(Instant begin, Instant end);

    /** One policy domain's evaluations in {@code [begin, end)}, grouped into rows; empty when it has none. */
    Optional<DomainEvaluations> domain(String policyDomain, Instant begin, Instant end);

    /**
     * Claims the sending of the report for ({@code policyDomain}, {@code destination}, {@code periodBegin}): true
     * when the caller may send it now. False when it was sent, or another claim younger than {@code staleAfter}
     * holds it (a claim older than that belongs to a sender that died, and is taken over).
     */
    boolean claim(String policyDomain, String destination, Instant periodBegin, Instant now, Duration staleAfter);

    /** Records a claimed report as sent: it will never be claimed again. */
    void markSent(String policyDomain, String destination, Instant periodBegin, Instant now, String reportId);

    /** Gives a claim back after a failed sending, so that the next run tries again. */
    void release(String policyDomain, String destination, Instant periodBegin);

    /** Whether the report was sent. */
    boolean sent(String policyDomain, String destination, Instant periodBegin);

    /** Forgets evaluations before {@code before}, and ledger entries for periods before it; returns how many rows went. */
    int purge(Instant before);
}
