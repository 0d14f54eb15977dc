package dev.postino.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;

/**
 * The return path on PostgreSQL: conf/postino.properties points at a fresh database on the machine's server
 * (127.0.0.1:5432, user postgres, as the store's tests use; {@code -Dpostino.test.postgres} moves it), dropped
 * afterwards. Made with psql: Postino's classes (and the JDBC driver) stay off this classpath, in the drop-in jar.
 */
class ReturnPathPostgresIT extends ReturnPathScenario {

    private static final String BASE = System.getProperty("postino.test.postgres", "jdbc:postgresql://127.0.0.1:5432/");
    private static final String USER = System.getProperty("postino.test.postgres.user", "postgres");

    private String database;

    @Override
    String storeProperties() {
        database = "postino_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        psql("CREATE DATABASE " + database);
        return "store.url=" + BASE + database + "\nstore.user=" + USER + "\n";
    }

    @AfterAll
    void dropDatabase() {
        if (database != null) {
            psql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    private static void psql(String sql) {
        java.net.URI server = java.net.URI.create(BASE.substring("jdbc:".length()));
        ProcessBuilder psql = new ProcessBuilder("psql", "-h", server.getHost(), "-p", String.valueOf(server.getPort()), "-U", USER,
            "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql).redirectErrorStream(true);
        try {
            Process process = psql.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("psql " + sql + ": " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("psql " + sql + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
