package dev.postino.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Postino's lasting state (suppression list, sent-message records, DMARC report data, MTA-STS policies, deferred
 * mail): one pool of connections to one database, embedded H2 or PostgreSQL, with the same schema and queries on
 * both. Each feature keeps its own tables and queries; this class only opens, migrates and runs transactions.
 */
public final class PostinoStore implements AutoCloseable {

    private static final long CONNECTION_TIMEOUT_MS = 5_000;

    private final StoreConfig config;
    private final HikariDataSource dataSource;
    private final String storeId;
    private final List<Integer> migrated;

    private PostinoStore(StoreConfig config, HikariDataSource dataSource, String storeId, List<Integer> migrated) {
        this.config = config;
        this.dataSource = dataSource;
        this.storeId = storeId;
        this.migrated = migrated;
    }

    /**
     * Opens the pool and brings the schema up to date.
     *
     * @throws StoreException with one line saying which store could not be opened and why
     */
    public static PostinoStore open(StoreConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("postino-store");
        hikari.setJdbcUrl(config.url());
        // named explicitly: James loads Postino in its own class loader, which DriverManager would not search
        hikari.setDriverClassName(config.dialect() == StoreConfig.Dialect.H2 ? "org.h2.Driver" : "org.postgresql.Driver");
        if (!config.user().isEmpty()) {
            hikari.setUsername(config.user());
        }
        if (!config.password().isEmpty()) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        hikari.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        hikari.setInitializationFailTimeout(CONNECTION_TIMEOUT_MS);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the store " + config + ": " + rootMessage(e), e);
        }
        try (Connection connection = dataSource.getConnection()) {
            List<Integer> migrated = SchemaMigrations.apply(connection, config.dialect());
            String storeId = storeId(connection);
            return new PostinoStore(config, dataSource, storeId, List.copyOf(migrated));
        } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot prepare the store " + config + ": " + rootMessage(e), e);
        }
    }

    private static String storeId(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO store_info (id, store_id, created_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setObject(2, OffsetDateTime.now(ZoneOffset.UTC));
            insert.executeUpdate();
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT store_id FROM store_info WHERE id = 1");
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getString(1);
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     *
     * @throws StoreException when the store is unreachable or the work fails; the caller answers "try later"
     */
    public <T> T transaction(SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        } catch (StoreException e) {
            throw e;
        } catch (SQLException | RuntimeException e) {
            throw new StoreException("store: " + rootMessage(e), e);
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken: the pool discards it, the transaction is gone with it
        }
    }

    /** The pool, for the few callers that need a plain {@link DataSource} (tests, tools). */
    public DataSource dataSource() {
        return dataSource;
    }

    public StoreConfig config() {
        return config;
    }

    public StoreConfig.Dialect dialect() {
        return config.dialect();
    }

    /** A random identifier written when the store was created: two nodes that print the same one share state. */
    public String storeId() {
        return storeId;
    }

    /** The migration versions this open applied (empty when the schema was already current). */
    public List<Integer> migratedNow() {
        return migrated;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.replaceAll("[\\r\\n]+", " ");
    }
}
