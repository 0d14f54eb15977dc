package dev.postino.core.dmarc.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.postino.core.dmarc.PublishedPolicy;

/**
 * Groups evaluations into report rows per policy domain as they stream by: memory grows with distinct rows, never
 * with evaluations. Not thread-safe.
 */
public final class ReportAggregator {

    /** Row order within a report: by source, then the rest, so that reports read the same run after run. */
    public static final Comparator<ReportRow> ROW_ORDER = Comparator.comparing(ReportRow::sourceIp)
        .thenComparing(ReportRow::headerFrom).thenComparing(ReportRow::disposition)
        .thenComparing(ReportRow::envelopeFrom).thenComparing(ReportRow::envelopeTo)
        .thenComparing(ReportRow::dkimJson).thenComparing(r -> r.spf() == null ? "" : r.spf().toString())
        .thenComparing(ReportRow::overrideType).thenComparing(ReportRow::overrideComment)
        .thenComparing(ReportRow::dkimAligned).thenComparing(ReportRow::spfAligned);

    private final Map<String, Domain> domains = new TreeMap<>();

    private static final class Domain {
        PublishedPolicy published;
        Instant latest;
        final Map<ReportRow, long[]> rows = new HashMap<>();
    }

    /** Counts {@code count} more messages of {@code row} (its own count is ignored) under {@code published}, seen at {@code time}. */
    public void add(PublishedPolicy published, Instant time, ReportRow row, long count) {
        Domain domain = domains.computeIfAbsent(published.domain(), d -> new Domain());
        if (domain.latest == null || !time.isBefore(domain.latest)) {
            domain.latest = time;
            domain.published = published;
        }
        domain.rows.computeIfAbsent(row.key(), k -> new long[1])[0] += count;
    }

    /** Counts one evaluation. */
    public void add(Evaluation evaluation) {
        add(evaluation.published(), evaluation.time(), evaluation.row(), 1);
    }

    /** The policy domains seen, in order. */
    public List<String> policyDomains() {
        return List.copyOf(domains.keySet());
    }

    /** One domain's rows with their counts, in {@link #ROW_ORDER}. */
    public Optional<DomainEvaluations> domain(String policyDomain) {
        Domain domain = domains.get(policyDomain);
        if (domain == null) {
            return Optional.empty();
        }
        List<ReportRow> rows = new ArrayList<>(domain.rows.size());
        domain.rows.forEach((row, count) -> rows.add(row.withCount(count[0])));
        rows.sort(ROW_ORDER);
        return Optional.of(new DomainEvaluations(domain.published, rows));
    }
}
