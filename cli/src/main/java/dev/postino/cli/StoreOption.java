package dev.postino.cli;

import java.nio.file.Path;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;
import dev.postino.core.store.StoreException;

/**
 * {@code --store URL}: the store the mailets use, as a JDBC URL ({@code jdbc:postgresql://HOST/DB?user=...},
 * {@code jdbc:h2:file:...}) or the folder of an embedded store; default: the embedded store of {@code ./postino run},
 * {@code run/var/postino/store} under the repository ({@code postino.home}, which the {@code postino} script sets).
 */
final class StoreOption {

    private StoreOption() {
    }

    static PostinoStore open(Arguments arguments) throws UsageException {
        String value = arguments.value("store");
        StoreConfig config;
        try {
            if (value == null) {
                config = StoreConfig.embedded(Path.of(System.getProperty("postino.home", "."), "run", "var", "postino", "store"));
            } else if (value.startsWith("jdbc:")) {
                config = StoreConfig.jdbc(value, "", "").withPoolSize(2);
            } else {
                config = StoreConfig.embedded(Path.of(value));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--store: " + e.getMessage());
        }
        try {
            return PostinoStore.open(config.withPoolSize(2));
        } catch (StoreException e) {
            throw new UsageException(e.getMessage() + (config.dialect() == StoreConfig.Dialect.H2
                ? " (an embedded store is one process's at a time: while James runs, use WebAdmin's /postino routes)" : ""));
        }
    }
}
