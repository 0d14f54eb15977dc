package dev.postino.core.mtasts;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import dev.postino.core.store.PostinoStore;

/**
 * A {@link StsPolicyCache} in Postino's store (table {@code mta_sts_policy}, migration V4): the policy text as
 * parsed, re-parsed when read, so that policies survive restarts and every node of a cluster shares them. A row that
 * no longer parses counts as no cached policy. Store failures are {@link dev.postino.core.store.StoreException}s,
 * which {@link StsPolicyLookup} treats as no cache.
 */
public final class StoredStsPolicyCache implements StsPolicyCache {

    private final PostinoStore store;

    public StoredStsPolicyCache(PostinoStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Optional<CachedStsPolicy> get(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        return store.transaction(c -> {
            try (PreparedStatement select = c.prepareStatement(
                "SELECT policy_id, policy_text, fetched_at FROM mta_sts_policy WHERE domain = ?")) {
                select.setString(1, key);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    try {
                        return Optional.of(new CachedStsPolicy(key, row.getString(1), StsPolicy.parse(row.getString(2)),
                            row.getObject(3, OffsetDateTime.class).toInstant()));
                    } catch (InvalidStsPolicyException | IllegalArgumentException e) {
                        return Optional.empty();
                    }
                }
            }
        });
    }

    @Override
    public void put(CachedStsPolicy policy) {
        String key = policy.domain().toLowerCase(Locale.ROOT);
        store.transaction(c -> {
            OffsetDateTime fetched = OffsetDateTime.ofInstant(policy.fetchedAt(), ZoneOffset.UTC);
            OffsetDateTime expires = OffsetDateTime.ofInstant(policy.expiresAt(), ZoneOffset.UTC);
            try (PreparedStatement update = c.prepareStatement(
                "UPDATE mta_sts_policy SET policy_id = ?, policy_text = ?, fetched_at = ?, expires_at = ? WHERE domain = ?")) {
                update.setString(1, policy.id());
                update.setString(2, policy.policy().text());
                update.setObject(3, fetched);
                update.setObject(4, expires);
                update.setString(5, key);
                if (update.executeUpdate() > 0) {
                    return null;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO mta_sts_policy (domain, policy_id, policy_text, "
                + "fetched_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, key);
                insert.setString(2, policy.id());
                insert.setString(3, policy.policy().text());
                insert.setObject(4, fetched);
                insert.setObject(5, expires);
                insert.executeUpdate(); // another node that inserted meanwhile fetched the same policy
            }
            return null;
        });
    }
}
