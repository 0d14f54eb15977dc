package dev.postino.core.dmarc.report;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link DmarcReportStore} in this JVM's memory, lost on restart: for tests and the command line. Keeps every
 * evaluation, so meant for small volumes. Thread-safe.
 */
public final class InMemoryDmarcReportStore implements DmarcReportStore {

    private final List<Evaluation> evaluations = new ArrayList<>();
    private final Map<List<Object>, Entry> ledger = new HashMap<>();

    private record Entry(boolean sent, Instant claimed) {
    }

    @Override
    public synchronized void add(Evaluation evaluation) {
        evaluations.add(evaluation);
    }

    @Override
    public synchronized List<String> policyDomains(Instant begin, Instant end) {
        return aggregate(null, begin, end).policyDomains();
    }

    @Override
    public synchronized Optional<DomainEvaluations> domain(String policyDomain, Instant begin, Instant end) {
        return aggregate(policyDomain, begin, end).domain(policyDomain);
    }

    private ReportAggregator aggregate(String policyDomain, Instant begin, Instant end) {
        ReportAggregator aggregator = new ReportAggregator();
        for (Evaluation evaluation : evaluations) {
            if (!evaluation.time().isBefore(begin) && evaluation.time().isBefore(end)
                && (policyDomain == null || evaluation.policyDomain().equals(policyDomain))) {
                aggregator.add(evaluation);
            }
        }
        return aggregator;
    }

    @Override
    public synchronized boolean claim(String policyDomain, String destination, Instant periodBegin, Instant now,
                                      Duration staleAfter) {
        List<Object> key = List.of(policyDomain, destination, periodBegin);
        Entry entry = ledger.get(key);
        if (entry != null && (entry.sent || entry.claimed.plus(staleAfter).isAfter(now))) {
            return false;
        }
        ledger.put(key, new Entry(false, now));
        return true;
    }

    @Override
    public synchronized void markSent(String policyDomain, String destination, Instant periodBegin, Instant now,
                                      String reportId) {
        ledger.put(List.of(policyDomain, destination, periodBegin), new Entry(true, now));
    }

    @Override
    public synchronized void release(String policyDomain, String destination, Instant periodBegin) {
        List<Object> key = List.of(policyDomain, destination, periodBegin);
        Entry entry = ledger.get(key);
        if (entry != null && !entry.sent) {
            ledger.remove(key);
        }
    }

    @Override
    public synchronized boolean sent(String policyDomain, String destination, Instant periodBegin) {
        Entry entry = ledger.get(List.of(policyDomain, destination, periodBegin));
        return entry != null && entry.sent;
    }

    @Override
    public synchronized int purge(Instant before) {
        int size = evaluations.size();
        evaluations.removeIf(e -> e.time().isBefore(before));
        ledger.keySet().removeIf(key -> ((Instant) key.get(2)).isBefore(before));
        return size - evaluations.size();
    }
}
