package dev.postino.core.dmarc.report;

import java.util.List;
import java.util.Objects;

import dev.postino.core.dmarc.PublishedPolicy;

/**
 * A reporting period's evaluations for one policy domain, grouped into rows.
 *
 * @param published the last policy record seen for the domain in the period (RFC 9990 §2.4: the final
 *                  configuration observed)
 * @param rows      the rows with their counts, in a stable order
 */
public record DomainEvaluations(PublishedPolicy published, List<ReportRow> rows) {

    public DomainEvaluations {
        Objects.requireNonNull(published, "published");
        rows = List.copyOf(rows);
    }

    public String policyDomain() {
        return published.domain();
    }
}
