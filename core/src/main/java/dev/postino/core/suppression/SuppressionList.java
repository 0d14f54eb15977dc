package dev.postino.core.suppression;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.postino.core.store.PostinoStore;

/**
 * The suppression list in the store (tables {@code suppression} and {@code bounce_event}): recorded bounces, the
 * entries they make, and the administrator's additions and removals. Entries past their expiry no longer count and
 * are deleted from time to time. Every change is told to the {@linkplain #onChange listeners} (the
 * {@link SuppressionCheck} of this JVM).
 */
public final class SuppressionList {

    private static final String COLUMNS = "address, reason, status, hard, diagnostic, source, bounces, first_at, last_at, expires_at";
    private static final Map<PostinoStore, SuppressionList> SHARED = new IdentityHashMap<>();

    private final PostinoStore store;
    private final Clock clock;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    public SuppressionList(PostinoStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The one list of {@code store} in this JVM, so that a change made anywhere reaches every cache here. */
    public static synchronized SuppressionList shared(PostinoStore store) {
        return SHARED.computeIfAbsent(store, s -> new SuppressionList(s, Clock.systemUTC()));
    }

    /** Calls {@code listener} with the (normalized) address after each change this object makes. */
    public void onChange(Consumer<String> listener) {
        listeners.add(listener);
    }

    public Clock clock() {
        return clock;
    }

    /** The address's entry, if it suppresses now. */
    public Optional<SuppressionEntry> find(String address) {
        String key = SuppressionEntry.normalize(address);
        Instant now = clock.instant();
        return store.transaction(c -> read(c, key, false)).filter(entry -> entry.activeAt(now));
    }

    /** The entries that suppress now, by address, {@code limit} of them from {@code offset}. */
    public List<SuppressionEntry> list(int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative");
        }
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM suppression"
                + " WHERE expires_at IS NULL OR expires_at > ? ORDER BY address LIMIT ? OFFSET ?")) {
                select.setObject(1, time(clock.instant()));
                select.setInt(2, limit);
                select.setInt(3, offset);
                List<SuppressionEntry> entries = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(entry(rows));
                    }
                }
                return entries;
            }
        });
    }

    /** How many entries suppress now. */
    public long count() {
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement(
                "SELECT COUNT(*) FROM suppression WHERE expires_at IS NULL OR expires_at > ?")) {
                select.setObject(1, time(clock.instant()));
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    /**
     * Puts {@code address} on the list by hand (or replaces its entry), with the administrator's {@code reason}.
     *
     * @param expires when it leaves the list by itself; empty: only when removed
     */
    public SuppressionEntry add(String address, String reason, Optional<Instant> expires) {
        Instant now = clock.instant();
        SuppressionEntry entry = new SuppressionEntry(address, reason.isBlank() ? "manual" : reason, "", false, "",
            SuppressionSource.MANUAL, 0, now, now, expires);
        store.transaction(c -> {
            write(c, entry);
            return null;
        });
        changed(entry.address());
        return entry;
    }

    /**
     * Takes {@code address} off the list; its earlier soft bounces no longer count towards suppressing it again.
     *
     * @return whether it was on the list (active or expired)
     */
    public boolean remove(String address) {
        String key = SuppressionEntry.normalize(address);
        boolean removed = store.transaction(c -> {
            try (PreparedStatement uncount = c.prepareStatement("UPDATE bounce_event SET counts = FALSE WHERE address = ? AND counts")) {
                uncount.setString(1, key);
                uncount.executeUpdate();
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM suppression WHERE address = ?")) {
                delete.setString(1, key);
                return delete.executeUpdate() > 0;
            }
        });
        changed(key);
        return removed;
    }

    /**
     * Records a bounce or complaint and applies {@code policy}'s decision in the same transaction.
     *
     * @return the address's entry after the event, when it is (or stays) on the list
     */
    public Optional<SuppressionEntry> record(BounceEvent event, SuppressionPolicy policy) {
        Optional<SuppressionEntry> result = store.transaction(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO bounce_event"
                + " (address, sender, sender_domain, kind, reason, status, counts, occurred_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?)")) {
                insert.setString(1, event.address());
                insert.setString(2, event.sender());
                insert.setString(3, event.senderDomain());
                insert.setString(4, event.kind().word());
                insert.setString(5, event.reason());
                insert.setString(6, event.status());
                insert.setObject(7, time(event.at()));
                insert.executeUpdate();
            }
            int soft;
            try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM bounce_event"
                + " WHERE address = ? AND kind = 'soft' AND counts AND occurred_at > ? AND occurred_at <= ?")) {
                count.setString(1, event.address());
                count.setObject(2, time(event.at().minus(policy.softWindow())));
                count.setObject(3, time(event.at()));
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    soft = rows.getInt(1);
                }
            }
            Optional<SuppressionEntry> current = read(c, event.address(), true);
            Optional<SuppressionEntry> decided = policy.decide(event, soft, current);
            if (decided.isPresent()) {
                write(c, decided.get());
            }
            return decided;
        });
        if (result.isPresent()) {
            changed(event.address());
        }
        return result;
    }

    /** Deletes the entries that expired before now and bounce events older than {@code keepEvents}. */
    public int purge(java.time.Duration keepEvents) {
        Instant now = clock.instant();
        return store.transaction(c -> {
            int deleted;
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM suppression WHERE expires_at <= ?")) {
                delete.setObject(1, time(now));
                deleted = delete.executeUpdate();
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM bounce_event WHERE occurred_at < ?")) {
                delete.setObject(1, time(now.minus(keepEvents)));
                delete.executeUpdate();
            }
            return deleted;
        });
    }

    private void changed(String address) {
        for (Consumer<String> listener : listeners) {
            listener.accept(address);
        }
    }

    private static Optional<SuppressionEntry> read(Connection c, String address, boolean forUpdate) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM suppression WHERE address = ?"
            + (forUpdate ? " FOR UPDATE" : ""))) {
            select.setString(1, address);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(entry(rows)) : Optional.empty();
            }
        }
    }

    /** Update, else insert; an insert that meets a row another node inserted meanwhile updates it. */
    private static void write(Connection c, SuppressionEntry entry) throws SQLException {
        if (update(c, entry) > 0) {
            return;
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO suppression (" + COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            insert.setString(1, entry.address());
            insert.setString(2, entry.reason());
            insert.setString(3, entry.status());
            insert.setBoolean(4, entry.hard());
            insert.setString(5, entry.diagnostic());
            insert.setString(6, entry.source().word());
            insert.setInt(7, entry.bounces());
            insert.setObject(8, time(entry.first()));
            insert.setObject(9, time(entry.last()));
            insert.setObject(10, entry.expires().map(SuppressionList::time).orElse(null));
            if (insert.executeUpdate() > 0) {
                return;
            }
        }
        update(c, entry);
    }

    private static int update(Connection c, SuppressionEntry entry) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE suppression SET reason = ?, status = ?, hard = ?,"
            + " diagnostic = ?, source = ?, bounces = ?, first_at = ?, last_at = ?, expires_at = ? WHERE address = ?")) {
            update.setString(1, entry.reason());
            update.setString(2, entry.status());
            update.setBoolean(3, entry.hard());
            update.setString(4, entry.diagnostic());
            update.setString(5, entry.source().word());
            update.setInt(6, entry.bounces());
            update.setObject(7, time(entry.first()));
            update.setObject(8, time(entry.last()));
            update.setObject(9, entry.expires().map(SuppressionList::time).orElse(null));
            update.setString(10, entry.address());
            return update.executeUpdate();
        }
    }

    private static SuppressionEntry entry(ResultSet rows) throws SQLException {
        OffsetDateTime expires = rows.getObject(10, OffsetDateTime.class);
        return new SuppressionEntry(rows.getString(1), rows.getString(2), rows.getString(3), rows.getBoolean(4),
            rows.getString(5), SuppressionSource.fromWord(rows.getString(6)), rows.getInt(7),
            rows.getObject(8, OffsetDateTime.class).toInstant(), rows.getObject(9, OffsetDateTime.class).toInstant(),
            Optional.ofNullable(expires).map(OffsetDateTime::toInstant));
    }

    static OffsetDateTime time(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
