package dev.postino.core.bounce;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.postino.core.store.PostinoStore;

/**
 * Records of the messages our users sent (table {@code sent_message}), so that a bounce can be told genuine: each
 * Message-ID and ENVID is kept as a 128-bit hash of its normalized text (never the text), for {@code retention}
 * (default 30 days), then deleted.
 */
public final class SentMessages {

    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final PostinoStore store;
    private final Duration retention;
    private final Clock clock;
    private final AtomicLong lastPurge = new AtomicLong(Long.MIN_VALUE);

    public SentMessages(PostinoStore store, Duration retention, Clock clock) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
    }

    /** The key of a Message-ID: its hash, lower case, without the space a folded header leaves. */
    public static String messageIdKey(String messageId) {
        return hash("m:" + messageId.replaceAll("\\s+", "").toLowerCase(Locale.ROOT));
    }

    /** The key of an ENVID (RFC 3461), as given in MAIL FROM and returned in Original-Envelope-Id, decoded. */
    public static String envelopeIdKey(String envelopeId) {
        return hash("e:" + envelopeId.strip());
    }

    /** The keys a report refers to: its original's Message-ID and its Original-Envelope-Id, where present. */
    public static List<String> keysOf(BounceReport report) {
        List<String> keys = new ArrayList<>();
        report.originalMessageId().filter(id -> !id.isBlank()).map(SentMessages::messageIdKey).ifPresent(keys::add);
        report.originalEnvelopeId().filter(id -> !id.isBlank()).map(SentMessages::envelopeIdKey).ifPresent(keys::add);
        return keys;
    }

    /** Records a message being sent now; deletes expired records at most once an hour. */
    public void record(Optional<String> messageId, Optional<String> envelopeId) {
        Set<String> keys = new LinkedHashSet<>();
        messageId.filter(id -> !id.isBlank()).map(SentMessages::messageIdKey).ifPresent(keys::add);
        envelopeId.filter(id -> !id.isBlank()).map(SentMessages::envelopeIdKey).ifPresent(keys::add);
        if (keys.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        store.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE sent_message SET sent_at = ? WHERE id_hash = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO sent_message (id_hash, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                for (String key : keys) {
                    update.setObject(1, now.atOffset(ZoneOffset.UTC));
                    update.setString(2, key);
                    if (update.executeUpdate() == 0) {
                        insert.setString(1, key);
                        insert.setObject(2, now.atOffset(ZoneOffset.UTC));
                        insert.executeUpdate();
                    }
                }
            }
            return null;
        });
        purgeNowAndThen(now);
    }

    /** Whether any of {@code keys} was recorded within the retention period. */
    public boolean anySent(Collection<String> keys) {
        if (keys.isEmpty()) {
            return false;
        }
        Instant since = clock.instant().minus(retention);
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT 1 FROM sent_message WHERE id_hash = ? AND sent_at > ?")) {
                for (String key : keys) {
                    select.setString(1, key);
                    select.setObject(2, since.atOffset(ZoneOffset.UTC));
                    try (ResultSet rows = select.executeQuery()) {
                        if (rows.next()) {
                            return true;
                        }
                    }
                }
            }
            return false;
        });
    }

    /** Deletes the records past the retention period; returns how many. */
    public int purge() {
        Instant before = clock.instant().minus(retention);
        return store.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM sent_message WHERE sent_at <= ?")) {
                delete.setObject(1, before.atOffset(ZoneOffset.UTC));
                return delete.executeUpdate();
            }
        });
    }

    private void purgeNowAndThen(Instant now) {
        long last = lastPurge.get();
        long nowMillis = now.toEpochMilli();
        if (last == Long.MIN_VALUE || nowMillis - last >= PURGE_EVERY.toMillis()) {
            if (lastPurge.compareAndSet(last, nowMillis)) {
                purge();
            }
        }
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
