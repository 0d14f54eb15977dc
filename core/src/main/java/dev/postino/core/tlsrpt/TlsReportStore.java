package dev.postino.core.tlsrpt;

import java.time.LocalDate;
import java.util.List;

/**
 * TLS session counts per day and policy domain, and the ledger of reports sent, so that each (domain, day) is
 * reported once even across restarts and cluster members ({@link #claim}). The store-backed implementation keeps them
 * in Postino's store; {@link InMemoryTlsReportStore} in the JVM.
 */
public interface TlsReportStore {

    /** Adds one session: successful when {@code failure} is null. */
    void count(LocalDate day, TlsPolicyKey policy, TlsResultType failure, String receivingMx, String receivingIp);

    /** The counts of {@code domain} on {@code day}. */
    List<TlsSessionCount> counts(LocalDate day, String domain);

    /** The (day, domain) pairs before {@code today} with counts and no claimed report, oldest first, at most {@code max}. */
    List<DayDomain> unreported(LocalDate today, int max);

    /** Claims the report of (day, domain): true for the one caller that gets it, false for every later one. */
    boolean claim(LocalDate day, String domain);

    /**
     * Gives a claim back, for a report that reached none of its destinations: the next look for due reports claims
     * it again (RFC 8460 section 5.4: try again, for up to a day).
     */
    void release(LocalDate day, String domain);

    /** Forgets the counts and ledger entries of days before {@code day} (long reported or never to be). */
    void forgetBefore(LocalDate day);

    /** A day's report of one domain. */
    record DayDomain(LocalDate day, String domain) {
    }
}
