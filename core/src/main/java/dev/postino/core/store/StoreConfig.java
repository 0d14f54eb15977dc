package dev.postino.core.store;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * Where Postino keeps its lasting state: an embedded H2 file (the default, nothing to install) or a PostgreSQL
 * database that the nodes of a cluster share.
 *
 * @param url      a JDBC URL, {@code jdbc:h2:file:...} or {@code jdbc:postgresql://...}
 * @param user     the database user ({@code ""} for none)
 * @param password the password ({@code ""} for none); never printed
 * @param poolSize the most connections the pool opens (1 to 64)
 */
public record StoreConfig(String url, String user, String password, int poolSize) {

    /** The properties {@link #fromProperties} reads. */
    public static final String URL = "store.url";
    public static final String USER = "store.user";
    public static final String PASSWORD = "store.password";
    public static final String POOL_SIZE = "store.poolSize";

    public static final int DEFAULT_POOL_SIZE = 8;
    private static final int MAX_POOL_SIZE = 64;

    /** The SQL the store speaks: the same schema and queries on both, but for the rare statement that differs. */
    public enum Dialect {
        H2, POSTGRESQL
    }

    public StoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        dialectOf(url);
        if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException(POOL_SIZE + "=" + poolSize + ": expected a whole number from 1 to " + MAX_POOL_SIZE);
        }
    }

    /**
     * The embedded store: one H2 file, {@code postino.mv.db}, in {@code directory}, in PostgreSQL mode so that the
     * schema and queries are PostgreSQL's.
     */
    public static StoreConfig embedded(Path directory) {
        String file = directory.toAbsolutePath().normalize().resolve("postino").toString().replace('\\', '/');
        return new StoreConfig("jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
            "", "", DEFAULT_POOL_SIZE);
    }

    /** A store at any JDBC URL this build knows ({@code jdbc:h2:} or {@code jdbc:postgresql:}). */
    public static StoreConfig jdbc(String url, String user, String password) {
        return new StoreConfig(url, user, password, DEFAULT_POOL_SIZE);
    }

    /**
     * Reads {@value #URL}, {@value #USER}, {@value #PASSWORD} and {@value #POOL_SIZE}; without a URL, the
     * embedded store in {@code embeddedDirectory}.
     *
     * @throws IllegalArgumentException with one line naming the property, its value and what was expected
     */
    public static StoreConfig fromProperties(Properties properties, Path embeddedDirectory) {
        String url = trimmed(properties.getProperty(URL));
        String poolText = trimmed(properties.getProperty(POOL_SIZE));
        int poolSize = DEFAULT_POOL_SIZE;
        if (!poolText.isEmpty()) {
            try {
                poolSize = Integer.parseInt(poolText);
            } catch (NumberFormatException e) {
                poolSize = -1;
            }
            if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
                throw new IllegalArgumentException(POOL_SIZE + "=" + poolText + ": expected a whole number from 1 to " + MAX_POOL_SIZE);
            }
        }
        StoreConfig base = url.isEmpty() ? embedded(embeddedDirectory)
            : new StoreConfig(url, trimmed(properties.getProperty(USER)), nullToEmpty(properties.getProperty(PASSWORD)), poolSize);
        return base.withPoolSize(poolSize);
    }

    public StoreConfig withPoolSize(int size) {
        return new StoreConfig(url, user, password, size);
    }

    public Dialect dialect() {
        return dialectOf(url);
    }

    private static Dialect dialectOf(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:h2:")) {
            return Dialect.H2;
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return Dialect.POSTGRESQL;
        }
        throw new IllegalArgumentException(URL + "=" + url + ": expected jdbc:postgresql://HOST:PORT/DATABASE or jdbc:h2:file:PATH");
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public String toString() {
        // the password stays out of logs and error lines
        return "StoreConfig[" + url + (user.isEmpty() ? "" : " as " + user) + ", pool " + poolSize + "]";
    }
}
