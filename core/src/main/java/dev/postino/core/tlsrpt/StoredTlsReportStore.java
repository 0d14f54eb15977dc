package dev.postino.core.tlsrpt;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import com.google.common.hash.Hashing;

import dev.postino.core.store.PostinoStore;

/**
 * A {@link TlsReportStore} in Postino's store (migration V4): {@code mta_sts_tls_count} holds one row per (day,
 * domain, policy, result type, MX host, address) with its session count; {@code mta_sts_tls_report_sent} is the
 * ledger whose primary key lets one node, once, claim each (day, domain).
 */
public final class StoredTlsReportStore implements TlsReportStore {

    private static final String KEY = "report_day = ? AND policy_domain = ? AND policy_hash = ? AND result_type = ? "
        + "AND receiving_mx = ? AND receiving_ip = ?";

    private final PostinoStore store;

    public StoredTlsReportStore(PostinoStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public void count(LocalDate day, TlsPolicyKey policy, TlsResultType failure, String receivingMx, String receivingIp) {
        String policyString = String.join("\n", policy.policyString());
        String mxHosts = String.join("\n", policy.mxHosts());
        String hash = Hashing.sha256().hashString(policy.type() + "\u0000" + policyString + "\u0000" + mxHosts,
            StandardCharsets.UTF_8).toString();
        String result = failure == null ? "" : failure.label();
        String mx = failure == null || receivingMx == null ? "" : receivingMx;
        String ip = failure == null || receivingIp == null ? "" : receivingIp;
        store.transaction(c -> {
            // no upsert on H2: update, insert when nothing was there, update again if another node inserted meanwhile
            if (increment(c, day, policy.domain(), hash, result, mx, ip) > 0) {
                return null;
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO mta_sts_tls_count (report_day, policy_domain, "
                + "policy_hash, policy_type, policy_string, mx_hosts, result_type, receiving_mx, receiving_ip, session_count) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING")) {
                insert.setString(1, day.toString());
                insert.setString(2, policy.domain());
                insert.setString(3, hash);
                insert.setString(4, policy.type());
                insert.setString(5, policyString);
                insert.setString(6, mxHosts);
                insert.setString(7, result);
                insert.setString(8, mx);
                insert.setString(9, ip);
                if (insert.executeUpdate() > 0) {
                    return null;
                }
            }
            increment(c, day, policy.domain(), hash, result, mx, ip);
            return null;
        });
    }

    private static int increment(Connection c, LocalDate day, String domain, String hash, String result, String mx, String ip)
        throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
            "UPDATE mta_sts_tls_count SET session_count = session_count + 1 WHERE " + KEY)) {
            update.setString(1, day.toString());
            update.setString(2, domain);
            update.setString(3, hash);
            update.setString(4, result);
            update.setString(5, mx);
            update.setString(6, ip);
            return update.executeUpdate();
        }
    }

    @Override
    public List<TlsSessionCount> counts(LocalDate day, String domain) {
        return store.transaction(c -> {
            List<TlsSessionCount> counts = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT policy_type, policy_string, mx_hosts, result_type, "
                + "receiving_mx, receiving_ip, session_count FROM mta_sts_tls_count WHERE report_day = ? AND policy_domain = ?")) {
                select.setString(1, day.toString());
                select.setString(2, domain);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        TlsPolicyKey policy = new TlsPolicyKey(rows.getString(1), domain, lines(rows.getString(2)),
                            lines(rows.getString(3)));
                        String result = rows.getString(4);
                        counts.add(new TlsSessionCount(day, policy, result.isEmpty() ? null : TlsResultType.ofLabel(result),
                            rows.getString(5), rows.getString(6), rows.getLong(7)));
                    }
                }
            }
            return counts;
        });
    }

    private static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n", -1));
    }

    @Override
    public List<DayDomain> unreported(LocalDate today, int max) {
        return store.transaction(c -> {
            List<DayDomain> found = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT DISTINCT t.report_day, t.policy_domain "
                + "FROM mta_sts_tls_count t WHERE t.report_day < ? AND NOT EXISTS (SELECT 1 FROM mta_sts_tls_report_sent s "
                + "WHERE s.report_day = t.report_day AND s.policy_domain = t.policy_domain) "
                + "ORDER BY t.report_day, t.policy_domain LIMIT ?")) {
                select.setString(1, today.toString());
                select.setInt(2, max);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.add(new DayDomain(LocalDate.parse(rows.getString(1)), rows.getString(2)));
                    }
                }
            }
            return found;
        });
    }

    @Override
    public boolean claim(LocalDate day, String domain) {
        return store.transaction(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO mta_sts_tls_report_sent (report_day, "
                + "policy_domain, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, day.toString());
                insert.setString(2, domain);
                insert.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
                return insert.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void release(LocalDate day, String domain) {
        store.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM mta_sts_tls_report_sent "
                + "WHERE report_day = ? AND policy_domain = ?")) {
                delete.setString(1, day.toString());
                delete.setString(2, domain);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void forgetBefore(LocalDate day) {
        store.transaction(c -> {
            for (String table : List.of("mta_sts_tls_count", "mta_sts_tls_report_sent")) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE report_day < ?")) {
                    delete.setString(1, day.toString());
                    delete.executeUpdate();
                }
            }
            return null;
        });
    }
}
