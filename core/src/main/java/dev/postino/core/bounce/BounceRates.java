package dev.postino.core.bounce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.postino.core.store.PostinoStore;

/**
 * Bounce rates per sender and per sending domain over a sliding window: recipients attempted (table
 * {@code send_volume}, one row per sender or domain and hour) against the bounces and complaints recorded for them
 * (table {@code bounce_event}). The window slides by the hour for volume and exactly for bounces.
 */
public final class BounceRates {

    private static final long HOUR_SECONDS = 3600;

    private final PostinoStore store;
    private final Clock clock;

    public BounceRates(PostinoStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Counts {@code recipients} attempted now by {@code sender} (and its domain). */
    public void recordAttempted(String sender, int recipients) {
        if (recipients <= 0 || sender == null || sender.isBlank()) {
            return;
        }
        String address = sender.strip().toLowerCase(Locale.ROOT);
        int at = address.lastIndexOf('@');
        long hour = clock.instant().getEpochSecond() / HOUR_SECONDS;
        store.transaction(c -> {
            add(c, BounceRate.Scope.SENDER, address, hour, recipients);
            if (at > 0 && at < address.length() - 1) {
                add(c, BounceRate.Scope.DOMAIN, address.substring(at + 1), hour, recipients);
            }
            return null;
        });
    }

    private static void add(Connection c, BounceRate.Scope scope, String name, long hour, int recipients) throws SQLException {
        String cut = name.length() > 320 ? name.substring(0, 320) : name;
        try (PreparedStatement update = c.prepareStatement(
            "UPDATE send_volume SET recipients = recipients + ? WHERE scope = ? AND name = ? AND hour_slot = ?")) {
            update.setLong(1, recipients);
            update.setString(2, scope.word());
            update.setString(3, cut);
            update.setLong(4, hour);
            if (update.executeUpdate() > 0) {
                return;
            }
            try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO send_volume (scope, name, hour_slot, recipients) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, scope.word());
                insert.setString(2, cut);
                insert.setLong(3, hour);
                insert.setLong(4, recipients);
                if (insert.executeUpdate() > 0) {
                    return;
                }
            }
            update.executeUpdate(); // another node inserted the row meanwhile
        }
    }

    /** The figures of one sender or domain over {@code window}, ending now. */
    public BounceRate rate(BounceRate.Scope scope, String name, Duration window) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Instant since = now.minus(window);
        return store.transaction(c -> {
            long recipients;
            try (PreparedStatement select = c.prepareStatement(
                "SELECT COALESCE(SUM(recipients), 0) FROM send_volume WHERE scope = ? AND name = ? AND hour_slot >= ?")) {
                select.setString(1, scope.word());
                select.setString(2, key);
                select.setLong(3, since.getEpochSecond() / HOUR_SECONDS);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    recipients = rows.getLong(1);
                }
            }
            long[] counts = new long[3];
            String column = scope == BounceRate.Scope.SENDER ? "sender" : "sender_domain";
            try (PreparedStatement select = c.prepareStatement("SELECT kind, COUNT(*) FROM bounce_event"
                + " WHERE " + column + " = ? AND occurred_at > ? AND occurred_at <= ? GROUP BY kind")) {
                select.setString(1, key);
                select.setObject(2, since.atOffset(ZoneOffset.UTC));
                select.setObject(3, now.atOffset(ZoneOffset.UTC));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        switch (rows.getString(1)) {
                            case "hard" -> counts[0] += rows.getLong(2);
                            case "soft" -> counts[1] += rows.getLong(2);
                            default -> counts[2] += rows.getLong(2);
                        }
                    }
                }
            }
            return new BounceRate(scope, key, recipients, counts[0], counts[1], counts[2]);
        });
    }

    /** Every sender and domain that sent or had bounces within {@code window}, domains first, by name. */
    public List<BounceRate> all(Duration window) {
        Instant now = clock.instant();
        Instant since = now.minus(window);
        long firstHour = since.getEpochSecond() / HOUR_SECONDS;
        return store.transaction(c -> {
            Map<String, long[]> figures = new TreeMap<>();
            try (PreparedStatement select = c.prepareStatement(
                "SELECT scope, name, SUM(recipients) FROM send_volume WHERE hour_slot >= ? GROUP BY scope, name")) {
                select.setLong(1, firstHour);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        figures.computeIfAbsent(rows.getString(1) + " " + rows.getString(2), k -> new long[4])[0] = rows.getLong(3);
                    }
                }
            }
            for (BounceRate.Scope scope : BounceRate.Scope.values()) {
                String column = scope == BounceRate.Scope.SENDER ? "sender" : "sender_domain";
                try (PreparedStatement select = c.prepareStatement("SELECT " + column + ", kind, COUNT(*) FROM bounce_event"
                    + " WHERE occurred_at > ? AND occurred_at <= ? AND " + column + " <> '' GROUP BY " + column + ", kind")) {
                    select.setObject(1, since.atOffset(ZoneOffset.UTC));
                    select.setObject(2, now.atOffset(ZoneOffset.UTC));
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            long[] f = figures.computeIfAbsent(scope.word() + " " + rows.getString(1), k -> new long[4]);
                            switch (rows.getString(2)) {
                                case "hard" -> f[1] += rows.getLong(3);
                                case "soft" -> f[2] += rows.getLong(3);
                                default -> f[3] += rows.getLong(3);
                            }
                        }
                    }
                }
            }
            List<BounceRate> rates = new ArrayList<>();
            figures.forEach((key, f) -> {
                int space = key.indexOf(' ');
                BounceRate.Scope scope = key.startsWith("sender ") ? BounceRate.Scope.SENDER : BounceRate.Scope.DOMAIN;
                rates.add(new BounceRate(scope, key.substring(space + 1), f[0], f[1], f[2], f[3]));
            });
            return rates;
        });
    }

    /** Deletes volume older than {@code keep}. */
    public int purge(Duration keep) {
        long before = clock.instant().minus(keep).getEpochSecond() / HOUR_SECONDS;
        return store.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM send_volume WHERE hour_slot < ?")) {
                delete.setLong(1, before);
                return delete.executeUpdate();
            }
        });
    }
}
