package dev.postino.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.store.testing.StoreBackends;

class PostinoStoreTest {

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void opensMigratesOnceAndKeepsItsIdentity(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory)) {
            String id;
            try (PostinoStore store = PostinoStore.open(backend.config())) {
                assertThat(store.migratedNow()).contains(1);
                id = store.storeId();
                assertThat(id).hasSize(36);
            }
            try (PostinoStore again = PostinoStore.open(backend.config())) {
                assertThat(again.migratedNow()).isEmpty();
                assertThat(again.storeId()).isEqualTo(id);
                int versions = again.transaction(c -> {
                    try (ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM postino_schema WHERE version = 1")) {
                        rows.next();
                        return rows.getInt(1);
                    }
                });
                assertThat(versions).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void rollsBackWhatFailedAndKeepsTimestampsInUtc(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            store.transaction(c -> c.createStatement().execute(
                "CREATE TABLE probe (k VARCHAR(10) PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL)"));
            OffsetDateTime at = OffsetDateTime.of(2026, 12, 2, 23, 30, 0, 0, ZoneOffset.ofHours(-5));
            assertThatThrownBy(() -> store.transaction(c -> {
                insert(c, "a", at);
                insert(c, "a", at); // duplicate key: the whole transaction goes
                return null;
            })).isInstanceOf(StoreException.class);
            assertThat(count(store)).isZero();
            store.transaction(c -> insert(c, "a", at));
            Instant read = store.transaction(c -> {
                try (ResultSet rows = c.createStatement().executeQuery("SELECT at FROM probe")) {
                    rows.next();
                    return rows.getObject(1, OffsetDateTime.class).toInstant();
                }
            });
            assertThat(read).isEqualTo(at.toInstant());
            // the portable "insert unless present" both dialects accept
            int inserted = store.transaction(c -> {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO probe (k, at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    s.setString(1, "a");
                    s.setObject(2, at);
                    return s.executeUpdate();
                }
            });
            assertThat(inserted).isZero();
        }
    }

    @Test
    void skipLockedHandsEachRowToOneClaimantOnPostgres() throws Exception {
        try (StoreBackends.TestStore backend = StoreBackends.postgres();
             PostinoStore store = PostinoStore.open(backend.config())) {
            skipLockedClaimsEachRowOnce(store);
        }
    }

    @Test
    void skipLockedHandsEachRowToOneClaimantEmbedded() throws Exception {
        try (StoreBackends.TestStore backend = StoreBackends.embedded(directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            skipLockedClaimsEachRowOnce(store);
        }
    }

    private static void skipLockedClaimsEachRowOnce(PostinoStore store) throws Exception {
        store.transaction(c -> c.createStatement().execute("CREATE TABLE job (id INTEGER PRIMARY KEY, owner VARCHAR(10))"));
        store.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO job (id) VALUES (?)")) {
                for (int i = 0; i < 200; i++) {
                    s.setInt(1, i);
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> claims = new ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                String owner = "w" + worker;
                Callable<Integer> claim = () -> {
                    int mine = 0;
                    for (int round = 0; round < 400; round++) {
                        int got = store.transaction(c -> {
                            List<Integer> ids = new ArrayList<>();
                            try (ResultSet rows = c.createStatement().executeQuery(
                                "SELECT id FROM job WHERE owner IS NULL ORDER BY id LIMIT 5 FOR UPDATE SKIP LOCKED")) {
                                while (rows.next()) {
                                    ids.add(rows.getInt(1));
                                }
                            }
                            try (PreparedStatement s = c.prepareStatement("UPDATE job SET owner = ? WHERE id = ? AND owner IS NULL")) {
                                for (int id : ids) {
                                    s.setString(1, owner);
                                    s.setInt(2, id);
                                    if (s.executeUpdate() != 1) {
                                        throw new SQLException("row " + id + " claimed twice");
                                    }
                                }
                            }
                            return ids.size();
                        });
                        if (got == 0) {
                            break;
                        }
                        mine += got;
                    }
                    return mine;
                };
                claims.add(pool.submit(claim));
            }
            int total = 0;
            for (Future<Integer> claim : claims) {
                total += claim.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnreachableStoreIsOneLine() {
        StoreConfig nowhere = StoreConfig.jdbc("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "postgres", "secret");
        assertThatThrownBy(() -> PostinoStore.open(nowhere))
            .isInstanceOf(StoreException.class)
            .hasMessageStartingWith("cannot open the store StoreConfig[jdbc:postgresql://127.0.0.1:1/none")
            .hasMessageNotContaining("secret")
            .hasMessageNotContaining("\n");
    }

    @Test
    void badPropertiesAreOneLineNamingTheProperty() {
        Properties url = new Properties();
        url.setProperty("store.url", "jdbc:mysql://x/y");
        assertThatThrownBy(() -> StoreConfig.fromProperties(url, directory))
            .hasMessage("store.url=jdbc:mysql://x/y: expected jdbc:postgresql://HOST:PORT/DATABASE or jdbc:h2:file:PATH");
        Properties pool = new Properties();
        pool.setProperty("store.poolSize", "many");
        assertThatThrownBy(() -> StoreConfig.fromProperties(pool, directory))
            .hasMessage("store.poolSize=many: expected a whole number from 1 to 64");
        StoreConfig defaults = StoreConfig.fromProperties(new Properties(), directory);
        assertThat(defaults.dialect()).isEqualTo(StoreConfig.Dialect.H2);
        assertThat(defaults.url()).startsWith("jdbc:h2:file:" + directory.toAbsolutePath());
    }

    @Test
    void sharedStoresOpenOncePerConfigAndCloseWithTheLastUser() {
        StoreConfig config = StoreConfig.embedded(directory);
        PostinoStore first = SharedStores.acquire(config);
        PostinoStore second = SharedStores.acquire(config);
        assertThat(second).isSameAs(first);
        SharedStores.release(first);
        assertThat(first.<Integer>transaction(c -> 1).intValue()).isEqualTo(1);
        SharedStores.release(second);
        assertThatThrownBy(() -> first.<Integer>transaction(c -> 1)).isInstanceOf(StoreException.class);
        PostinoStore reopened = SharedStores.acquire(config);
        assertThat(reopened).isNotSameAs(first);
        SharedStores.release(reopened);
    }

    @Test
    void scriptsSplitOnStatementEnds() {
        assertThat(SchemaMigrations.statements("-- what\nCREATE TABLE a (x INTEGER);\n\nCREATE TABLE b (\n  y INTEGER\n);\n"))
            .containsExactly("CREATE TABLE a (x INTEGER)", "CREATE TABLE b (\n  y INTEGER\n)");
        assertThat(SchemaMigrations.description("-- Store infrastructure\nCREATE TABLE x (a INTEGER);")).isEqualTo("Store infrastructure");
    }

    private static boolean insert(java.sql.Connection c, String key, OffsetDateTime at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO probe (k, at) VALUES (?, ?)")) {
            s.setString(1, key);
            s.setObject(2, at);
            return s.executeUpdate() == 1;
        }
    }

    private static long count(PostinoStore store) {
        return store.transaction(c -> {
            try (ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM probe")) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }
}
