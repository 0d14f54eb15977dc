package dev.postino.core.deferral;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import dev.postino.core.delivery.RecipientState;
import dev.postino.core.store.PostinoStore;

/**
 * Deferred mail, parked in Postino's store until due, for a mail queue that cannot delay (James's RabbitMQ queue
 * enqueues at once whatever delay it is given). Every node of a cluster runs a scheduler that {@linkplain #claimDue
 * claims} what is due and gives it back to the queue; a claim locks its rows with {@code FOR UPDATE SKIP LOCKED}, so
 * two nodes never claim the same mail at once, and holds a lease: a node that dies after claiming leaves rows that
 * another node claims once the lease has expired. A row is deleted only after its mail was queued again
 * ({@link #released}), so a crash between the two queues the mail once more rather than losing it (at least once;
 * twice only when a node stops between the enqueue and the delete, or outlives its lease). Parking the same mail
 * again replaces its row (the key is the mail's name), so a re-delivered queue item does not park a second copy.
 * Thread-safe; all times are given by the caller.
 */
public final class DeferralStore {

    /**
     * A claimed mail, without its bytes (a batch of large messages would not fit the heap): {@link #get} it, queue it,
     * then {@link #released} with this token.
     */
    public record Claim(String name, String token, Instant dueAt, boolean bounceRequested) {
    }

    /**
     * A parked mail as listed (without its bytes).
     *
     * @param claimedBy the node that holds it now, or null
     */
    public record Entry(String name, String sender, List<RecipientState> states, Instant dueAt, Instant parkedAt,
                        String parkedBy, boolean bounceRequested, String claimedBy) {
    }

    private static final String COLUMNS = "name, sender, due_at, state, envelope, message, bounce_requested";

    private final PostinoStore store;
    private final String node;

    /**
     * @param node this node's name, kept with what it parks and claims (for the administrator)
     */
    public DeferralStore(PostinoStore store, String node) {
        this.store = Objects.requireNonNull(store, "store");
        this.node = Objects.requireNonNull(node, "node");
    }

    public String node() {
        return node;
    }

    /** Parks {@code mail} until its due time, replacing a parked mail of the same name (and any claim on it). */
    public void park(DeferredMail mail, Instant now) {
        store.transaction(c -> {
            byte[] state = RecipientState.formatAll(mail.states()).getBytes(StandardCharsets.UTF_8);
            boolean stored = update(c, mail, state, now) > 0;
            if (!stored) {
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO deferred_mail (name, sender,"
                    + " recipient_count, due_at, arrival, attempts, warnings, state, envelope, message, bounce_requested,"
                    + " parked_at, parked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    insert.setString(1, mail.name());
                    insert.setString(2, mail.sender());
                    insert.setInt(3, mail.states().size());
                    insert.setObject(4, time(mail.dueAt()));
                    insert.setObject(5, time(mail.arrival()));
                    insert.setInt(6, mail.attempts());
                    insert.setInt(7, mail.warnings());
                    insert.setBytes(8, state);
                    insert.setBytes(9, mail.envelope());
                    insert.setBytes(10, mail.message());
                    insert.setBoolean(11, mail.bounceRequested());
                    insert.setObject(12, time(now));
                    insert.setString(13, node);
                    stored = insert.executeUpdate() > 0;
                }
                if (!stored && update(c, mail, state, now) == 0) { // inserted by another node meanwhile
                    throw new SQLException("cannot park " + mail.name() + ": neither inserted nor updated");
                }
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM deferred_recipient WHERE mail_name = ?")) {
                delete.setString(1, mail.name());
                delete.executeUpdate();
            }
            try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO deferred_recipient (mail_name, recipient, domain) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (String recipient : mail.recipients()) {
                    insert.setString(1, mail.name());
                    insert.setString(2, recipient);
                    insert.setString(3, DeferredMail.domainOf(recipient));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
    }

    private int update(Connection c, DeferredMail mail, byte[] state, Instant now) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE deferred_mail SET sender = ?, recipient_count = ?,"
            + " due_at = ?, arrival = ?, attempts = ?, warnings = ?, state = ?, envelope = ?, message = ?,"
            + " bounce_requested = ?, parked_at = ?, parked_by = ?, claimed_by = NULL, claim_token = NULL,"
            + " claimed_until = NULL WHERE name = ?")) {
            update.setString(1, mail.sender());
            update.setInt(2, mail.states().size());
            update.setObject(3, time(mail.dueAt()));
            update.setObject(4, time(mail.arrival()));
            update.setInt(5, mail.attempts());
            update.setInt(6, mail.warnings());
            update.setBytes(7, state);
            update.setBytes(8, mail.envelope());
            update.setBytes(9, mail.message());
            update.setBoolean(10, mail.bounceRequested());
            update.setObject(11, time(now));
            update.setString(12, node);
            update.setString(13, mail.name());
            return update.executeUpdate();
        }
    }

    /**
     * Claims at most {@code limit} mails due at {@code now}, earliest first, that no live lease holds, for
     * {@code lease}: rows another node is claiming right now are skipped, not waited for.
     */
    public List<Claim> claimDue(Instant now, Duration lease, int limit) {
        if (limit < 1) {
            return List.of();
        }
        return store.transaction(c -> {
            List<Claim> due = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT name, due_at, bounce_requested FROM deferred_mail WHERE due_at <= ?"
                + " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED")) {
                select.setObject(1, time(now));
                select.setObject(2, time(now));
                select.setInt(3, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new Claim(rows.getString(1), UUID.randomUUID().toString(), instant(rows, 2), rows.getBoolean(3)));
                    }
                }
            }
            List<Claim> claims = new ArrayList<>();
            try (PreparedStatement claim = c.prepareStatement(
                "UPDATE deferred_mail SET claimed_by = ?, claim_token = ?, claimed_until = ? WHERE name = ?")) {
                for (Claim mail : due) {
                    claim.setString(1, node);
                    claim.setString(2, mail.token());
                    claim.setObject(3, time(now.plus(lease)));
                    claim.setString(4, mail.name());
                    claim.addBatch();
                    claims.add(mail);
                }
                if (!claims.isEmpty()) {
                    claim.executeBatch();
                }
            }
            return claims;
        });
    }

    /**
     * The claimed mail, bytes included, when the claim is still this one's, its lease renewed from {@code now}: what
     * to enqueue. Empty when the lease ran out and another node claimed it, or it was parked again meanwhile (then
     * that newer row is someone else's to release). Taken just before the enqueue, so that a batch released slowly
     * never outlives the lease of a mail it has not reached yet.
     */
    public Optional<DeferredMail> take(Claim claim, Instant now, Duration lease) {
        return store.transaction(c -> {
            try (PreparedStatement renew = c.prepareStatement(
                "UPDATE deferred_mail SET claimed_until = ? WHERE name = ? AND claim_token = ?")) {
                renew.setObject(1, time(now.plus(lease)));
                renew.setString(2, claim.name());
                renew.setString(3, claim.token());
                if (renew.executeUpdate() == 0) {
                    return Optional.<DeferredMail>empty();
                }
            }
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM deferred_mail WHERE name = ?")) {
                select.setString(1, claim.name());
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(mail(rows)) : Optional.<DeferredMail>empty();
                }
            }
        });
    }

    /**
     * The claimed mail is back in the queue: its row goes, unless it was parked again or claimed by another node since
     * (then the newer row stays). Returns whether the row was deleted.
     */
    public boolean released(String name, String token) {
        return store.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM deferred_mail WHERE name = ? AND claim_token = ?")) {
                delete.setString(1, name);
                delete.setString(2, token);
                return delete.executeUpdate() > 0;
            }
        });
    }

    /** The claimed mail could not be queued: it is free to be claimed again at once. */
    public void unclaim(String name, String token) {
        store.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE deferred_mail SET claimed_by = NULL,"
                + " claim_token = NULL, claimed_until = NULL WHERE name = ? AND claim_token = ?")) {
                update.setString(1, name);
                update.setString(2, token);
                return update.executeUpdate();
            }
        });
    }

    /**
     * An administrator's "release now": due at {@code now}, and so is every recipient (its next attempt moved to
     * {@code now}; the retry schedule goes on from that attempt). False when no such mail is parked.
     */
    public boolean releaseNow(String name, Instant now) {
        return store.transaction(c -> {
            List<RecipientState> states;
            try (PreparedStatement select = c.prepareStatement("SELECT state FROM deferred_mail WHERE name = ? FOR UPDATE")) {
                select.setString(1, name);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return false;
                    }
                    states = states(rows.getBytes(1));
                }
            }
            List<RecipientState> due = states.stream().map(s -> s.nextAttempt().isAfter(now)
                ? new RecipientState(s.recipient(), s.retry(), now, s.lastOutcome()) : s).toList();
            try (PreparedStatement update = c.prepareStatement("UPDATE deferred_mail SET due_at = ?, state = ? WHERE name = ?")) {
                update.setObject(1, time(now));
                update.setBytes(2, RecipientState.formatAll(due).getBytes(StandardCharsets.UTF_8));
                update.setString(3, name);
                return update.executeUpdate() > 0;
            }
        });
    }

    /** An administrator's "bounce now": due at {@code now}, then given up on with a failure notice. */
    public boolean bounceNow(String name, Instant now) {
        return setDue(name, now, true);
    }

    private boolean setDue(String name, Instant now, boolean bounce) {
        return store.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE deferred_mail SET due_at = ?"
                + (bounce ? ", bounce_requested = TRUE" : "") + " WHERE name = ?")) {
                update.setObject(1, time(now));
                update.setString(2, name);
                return update.executeUpdate() > 0;
            }
        });
    }

    /** The parked mail of this name, bytes included. */
    public Optional<DeferredMail> get(String name) {
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM deferred_mail WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(mail(rows)) : Optional.<DeferredMail>empty();
                }
            }
        });
    }

    /** A page of parked mails, earliest due first (then by name), without their bytes. */
    public List<Entry> list(int offset, int limit) {
        return store.transaction(c -> {
            List<Entry> entries = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT name, sender, state, due_at, parked_at, parked_by,"
                + " bounce_requested, claimed_by FROM deferred_mail ORDER BY due_at, name LIMIT ? OFFSET ?")) {
                select.setInt(1, Math.max(0, limit));
                select.setInt(2, Math.max(0, offset));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new Entry(rows.getString(1), rows.getString(2), states(rows.getBytes(3)), instant(rows, 4),
                            instant(rows, 5), rows.getString(6), rows.getBoolean(7), rows.getString(8)));
                    }
                }
            }
            return entries;
        });
    }

    /** How many parked mails have recipients at each domain, most first. */
    public Map<String, Long> countByDomain() {
        return store.transaction(c -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            try (PreparedStatement select = c.prepareStatement("SELECT domain, COUNT(DISTINCT mail_name) AS mails"
                + " FROM deferred_recipient GROUP BY domain ORDER BY mails DESC, domain");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
            return counts;
        });
    }

    /** How many mails are parked. */
    public long count() {
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT COUNT(*) FROM deferred_mail");
                 ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    /** The earliest due time of a parked mail; empty when none is parked. */
    public Optional<Instant> oldestDue() {
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT MIN(due_at) FROM deferred_mail");
                 ResultSet rows = select.executeQuery()) {
                rows.next();
                return Optional.ofNullable(rows.getObject(1, OffsetDateTime.class)).map(OffsetDateTime::toInstant);
            }
        });
    }

    private static DeferredMail mail(ResultSet rows) throws SQLException {
        return new DeferredMail(rows.getString("name"), rows.getString("sender"), states(rows.getBytes("state")),
            rows.getObject("due_at", OffsetDateTime.class).toInstant(), rows.getBytes("envelope"), rows.getBytes("message"),
            rows.getBoolean("bounce_requested"));
    }

    private static List<RecipientState> states(byte[] state) {
        return RecipientState.parseAll(new String(state, StandardCharsets.UTF_8));
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        OffsetDateTime time = rows.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime time(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
