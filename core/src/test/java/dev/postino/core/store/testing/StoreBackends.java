package dev.postino.core.store.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.postino.core.store.StoreConfig;

/**
 * Both store backends, for real, for tests: a temporary embedded H2 file, and a fresh PostgreSQL database on the
 * machine's server (127.0.0.1:5432, trust authentication, user {@code postgres}) dropped when the test closes it.
 */
public final class StoreBackends {

    /** The PostgreSQL server tests use; {@code -Dpostino.test.postgres=jdbc:postgresql://HOST:PORT/} moves it. */
    public static final String POSTGRES_BASE = System.getProperty("postino.test.postgres", "jdbc:postgresql://127.0.0.1:5432/");
    public static final String POSTGRES_USER = System.getProperty("postino.test.postgres.user", "postgres");

    /** The backends a parameterized test runs against. */
    public enum Kind {
        EMBEDDED, POSTGRESQL
    }

    private StoreBackends() {
    }

    /** The embedded store in {@code directory} (a JUnit {@code @TempDir}). */
    public static TestStore embedded(Path directory) {
        return new TestStore(StoreConfig.embedded(directory), () -> { });
    }

    /** A new, empty PostgreSQL database; closing the result drops it. */
    public static TestStore postgres() {
        String name = "postino_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        admin("CREATE DATABASE " + name);
        return new TestStore(StoreConfig.jdbc(POSTGRES_BASE + name, POSTGRES_USER, ""), () -> admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
    }

    /** Either backend by kind. */
    public static TestStore of(Kind kind, Path directory) {
        return kind == Kind.EMBEDDED ? embedded(directory) : postgres();
    }

    private static void admin(String sql) {
        if (driverPresent()) {
            try (Connection connection = DriverManager.getConnection(POSTGRES_BASE + "postgres", POSTGRES_USER, "");
                 Statement statement = connection.createStatement()) {
                statement.execute(sql);
                return;
            } catch (SQLException e) {
                throw new IllegalStateException(failure(sql, e.getMessage()), e);
            }
        }
        // end-to-end tests keep the driver off their classpath (James loads it from the drop-in jar): psql instead
        URI server = URI.create(POSTGRES_BASE.substring("jdbc:".length()));
        ProcessBuilder psql = new ProcessBuilder("psql", "-h", server.getHost(), "-p", String.valueOf(server.getPort()),
            "-U", POSTGRES_USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql).redirectErrorStream(true);
        try {
            Process process = psql.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(failure(sql, output.strip()));
            }
        } catch (IOException e) {
            throw new IllegalStateException(failure(sql, "psql: " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(failure(sql, "interrupted"), e);
        }
    }

    private static boolean driverPresent() {
        try {
            Class.forName("org.postgresql.Driver");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String failure(String sql, String why) {
        return "PostgreSQL at " + POSTGRES_BASE + " (user " + POSTGRES_USER + "): " + sql + ": " + why
            + " (the tests need it running, see the README's Testing section)";
    }

    /** A store configuration that cleans up after the test. */
    public static final class TestStore implements AutoCloseable {
        private final StoreConfig config;
        private final Runnable cleanup;

        TestStore(StoreConfig config, Runnable cleanup) {
            this.config = config;
            this.cleanup = cleanup;
        }

        public StoreConfig config() {
            return config;
        }

        @Override
        public void close() {
            cleanup.run();
        }
    }
}
