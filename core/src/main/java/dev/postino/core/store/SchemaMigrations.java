package dev.postino.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Brings a database to the schema this build expects: the scripts {@code dev/postino/core/store/V<n>.sql}, each
 * applied once, in order, recorded in {@code postino_schema}. On PostgreSQL an advisory lock makes nodes that
 * start together apply each script once.
 */
final class SchemaMigrations {

    static final int MAX_VERSION = 99;
    private static final long ADVISORY_LOCK = 0x706f7374696e6fL; // "postino"

    private SchemaMigrations() {
    }

    /** Applies the missing scripts; returns the versions applied now. */
    static List<Integer> apply(Connection connection, StoreConfig.Dialect dialect) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        List<Integer> applied = new ArrayList<>();
        try {
            try (Statement statement = connection.createStatement()) {
                if (dialect == StoreConfig.Dialect.POSTGRESQL) {
                    statement.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK + ")");
                }
                statement.execute("CREATE TABLE IF NOT EXISTS postino_schema (version INTEGER PRIMARY KEY, "
                    + "description VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            }
            Set<Integer> done = new HashSet<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT version FROM postino_schema")) {
                while (rows.next()) {
                    done.add(rows.getInt(1));
                }
            }
            for (int version = 1; version <= MAX_VERSION; version++) {
                if (done.contains(version)) {
                    continue;
                }
                String script = script(version);
                if (script == null) {
                    continue;
                }
                try (Statement statement = connection.createStatement()) {
                    for (String sql : statements(script)) {
                        statement.execute(sql);
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO postino_schema (version, description, applied_at) VALUES (?, ?, ?)")) {
                    insert.setInt(1, version);
                    insert.setString(2, description(script));
                    insert.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
                    insert.executeUpdate();
                }
                applied.add(version);
            }
            connection.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    static String script(int version) {
        try (InputStream in = SchemaMigrations.class.getResourceAsStream("V" + version + ".sql")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("cannot read migration V" + version + ".sql", e);
        }
    }

    /** Statements end with {@code ;} at the end of a line; lines starting with {@code --} are comments. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\r?\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    /** The first comment line of a script says what it is for. */
    static String description(String script) {
        for (String line : script.split("\r?\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--")) {
                String text = trimmed.substring(2).strip();
                return text.length() > 200 ? text.substring(0, 200) : text;
            }
            if (!trimmed.isEmpty()) {
                break;
            }
        }
        return "";
    }
}
