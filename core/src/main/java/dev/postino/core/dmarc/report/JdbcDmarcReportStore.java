package dev.postino.core.dmarc.report;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.json.Json;
import dev.postino.core.store.PostinoStore;

/**
 * The {@link DmarcReportStore} in Postino's store (tables {@code dmarc_evaluation} and {@code dmarc_report_sent},
 * migration V3), embedded H2 or PostgreSQL. Rows are grouped in SQL, one policy domain per query, so a report run
 * holds one domain's rows at a time. Thread-safe.
 */
public final class JdbcDmarcReportStore implements DmarcReportStore {

    /** Longest published-policy JSON kept (the column's size); a longer record is not reported. */
    static final int MAX_PUBLISHED = 4000;
    /** Longest DKIM JSON kept (the column's size); signatures past it are dropped, the least telling first. */
    static final int MAX_DKIM = 8000;

    private static final String INSERT = "INSERT INTO dmarc_evaluation (evaluated_at, policy_domain, published, "
        + "source_ip, header_from, envelope_from, envelope_to, disposition, dkim_aligned, spf_aligned, override_type, "
        + "override_comment, dkim, spf_domain, spf_scope, spf_result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String GROUP_COLUMNS = "published, source_ip, header_from, envelope_from, envelope_to, "
        + "disposition, dkim_aligned, spf_aligned, override_type, override_comment, dkim, spf_domain, spf_scope, spf_result";

    private final PostinoStore store;

    public JdbcDmarcReportStore(PostinoStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public void add(Evaluation evaluation) {
        addAll(List.of(evaluation));
    }

    /** Keeps many evaluations in one transaction (batched). */
    @Override
    public void addAll(List<Evaluation> evaluations) {
        store.transaction(c -> {
            try (PreparedStatement insert = c.prepareStatement(INSERT)) {
                int pending = 0;
                for (Evaluation evaluation : evaluations) {
                    if (bind(insert, evaluation)) {
                        insert.addBatch();
                        if (++pending == 1000) {
                            insert.executeBatch();
                            pending = 0;
                        }
                    }
                }
                if (pending > 0) {
                    insert.executeBatch();
                }
            }
            return null;
        });
    }

    private static boolean bind(PreparedStatement insert, Evaluation evaluation) throws SQLException {
        String published = Json.write(evaluation.published().toMap());
        if (published.length() > MAX_PUBLISHED || evaluation.policyDomain().length() > 255) {
            return false;
        }
        ReportRow row = evaluation.row();
        List<ReportRow.DkimAuth> signatures = row.dkim();
        String dkim = row.dkimJson();
        while (dkim.length() > MAX_DKIM) {
            signatures = signatures.subList(0, signatures.size() - 1);
            dkim = row.withDkim(signatures).dkimJson();
        }
        insert.setObject(1, utc(evaluation.time()));
        insert.setString(2, evaluation.policyDomain());
        insert.setString(3, published);
        insert.setString(4, clip(row.sourceIp(), 64));
        insert.setString(5, row.headerFrom());
        insert.setString(6, row.envelopeFrom());
        insert.setString(7, row.envelopeTo());
        insert.setString(8, row.disposition());
        insert.setBoolean(9, row.dkimAligned());
        insert.setBoolean(10, row.spfAligned());
        insert.setString(11, clip(row.overrideType(), 32));
        insert.setString(12, row.overrideComment());
        insert.setString(13, dkim);
        insert.setString(14, row.spf() == null ? "" : row.spf().domain());
        insert.setString(15, row.spf() == null ? "" : row.spf().scope());
        insert.setString(16, row.spf() == null ? "" : clip(row.spf().result(), 16));
        return true;
    }

    @Override
    public List<String> policyDomains(Instant begin, Instant end) {
        return store.transaction(c -> {
            List<String> domains = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT DISTINCT policy_domain FROM dmarc_evaluation "
                + "WHERE evaluated_at >= ? AND evaluated_at < ? ORDER BY policy_domain")) {
                select.setObject(1, utc(begin));
                select.setObject(2, utc(end));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        domains.add(rows.getString(1));
                    }
                }
            }
            return domains;
        });
    }

    @Override
    public Optional<DomainEvaluations> domain(String policyDomain, Instant begin, Instant end) {
        return store.transaction(c -> {
            ReportAggregator aggregator = new ReportAggregator();
            try (PreparedStatement select = c.prepareStatement("SELECT " + GROUP_COLUMNS + ", MAX(evaluated_at), COUNT(*) "
                + "FROM dmarc_evaluation WHERE policy_domain = ? AND evaluated_at >= ? AND evaluated_at < ? "
                + "GROUP BY " + GROUP_COLUMNS)) {
                select.setString(1, policyDomain);
                select.setObject(2, utc(begin));
                select.setObject(3, utc(end));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        PublishedPolicy published;
                        try {
                            published = PublishedPolicy.fromMap((Map<?, ?>) Json.read(rows.getString(1)));
                        } catch (IllegalArgumentException | ClassCastException unreadable) {
                            continue; // written by a later version, or damaged: not worth a report's failure
                        }
                        String spfDomain = rows.getString(12);
                        ReportRow row = new ReportRow(rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getString(5), rows.getString(6), rows.getBoolean(7), rows.getBoolean(8),
                            rows.getString(9), rows.getString(10), ReportRow.dkimFromJson(rows.getString(11)),
                            spfDomain.isEmpty() ? null : new ReportRow.SpfAuth(spfDomain, rows.getString(13), rows.getString(14)),
                            0);
                        Instant latest = rows.getObject(15, OffsetDateTime.class).toInstant();
                        aggregator.add(published, latest, row, rows.getLong(16));
                    }
                }
            }
            return aggregator.domain(policyDomain);
        });
    }

    @Override
    public boolean claim(String policyDomain, String destination, Instant periodBegin, Instant now, Duration staleAfter) {
        return store.transaction(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO dmarc_report_sent (policy_domain, destination, "
                + "period_begin, state, claimed_at) VALUES (?, ?, ?, 'claimed', ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, policyDomain);
                insert.setString(2, destination);
                insert.setObject(3, utc(periodBegin));
                insert.setObject(4, utc(now));
                if (insert.executeUpdate() == 1) {
                    return true;
                }
            }
            // a claim nobody turned into "sent" within staleAfter belongs to a sender that died
            try (PreparedStatement takeOver = c.prepareStatement("UPDATE dmarc_report_sent SET claimed_at = ? "
                + "WHERE policy_domain = ? AND destination = ? AND period_begin = ? AND state = 'claimed' AND claimed_at < ?")) {
                takeOver.setObject(1, utc(now));
                takeOver.setString(2, policyDomain);
                takeOver.setString(3, destination);
                takeOver.setObject(4, utc(periodBegin));
                takeOver.setObject(5, utc(now.minus(staleAfter)));
                return takeOver.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void markSent(String policyDomain, String destination, Instant periodBegin, Instant now, String reportId) {
        store.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE dmarc_report_sent SET state = 'sent', sent_at = ?, "
                + "report_id = ? WHERE policy_domain = ? AND destination = ? AND period_begin = ?")) {
                update.setObject(1, utc(now));
                update.setString(2, clip(reportId, 700));
                update.setString(3, policyDomain);
                update.setString(4, destination);
                update.setObject(5, utc(periodBegin));
                return update.executeUpdate();
            }
        });
    }

    @Override
    public void release(String policyDomain, String destination, Instant periodBegin) {
        store.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM dmarc_report_sent WHERE policy_domain = ? "
                + "AND destination = ? AND period_begin = ? AND state = 'claimed'")) {
                delete.setString(1, policyDomain);
                delete.setString(2, destination);
                delete.setObject(3, utc(periodBegin));
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public boolean sent(String policyDomain, String destination, Instant periodBegin) {
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT state FROM dmarc_report_sent WHERE policy_domain = ? "
                + "AND destination = ? AND period_begin = ?")) {
                select.setString(1, policyDomain);
                select.setString(2, destination);
                select.setObject(3, utc(periodBegin));
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() && "sent".equals(rows.getString(1));
                }
            }
        });
    }

    @Override
    public int purge(Instant before) {
        return store.transaction(c -> purge(c, before));
    }

    private static int purge(Connection c, Instant before) throws SQLException {
        int removed;
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM dmarc_evaluation WHERE evaluated_at < ?")) {
            delete.setObject(1, utc(before));
            removed = delete.executeUpdate();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM dmarc_report_sent WHERE period_begin < ?")) {
            delete.setObject(1, utc(before));
            removed += delete.executeUpdate();
        }
        return removed;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String clip(String value, int max) {
        return value.length() > max ? value.substring(0, max) : value;
    }
}
