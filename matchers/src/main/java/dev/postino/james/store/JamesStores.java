package dev.postino.james.store;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.SharedStores;
import dev.postino.core.store.StoreConfig;
import dev.postino.core.store.StoreException;

/**
 * Where a James server keeps Postino's store: {@code conf/postino.properties} says ({@code store.url},
 * {@code store.user}, {@code store.password}, {@code store.poolSize}); without it, or without {@code store.url},
 * the embedded store in {@code var/postino/store} under James's working directory. Every mailet, matcher and
 * WebAdmin route of one James shares one pool ({@link SharedStores}).
 */
public final class JamesStores {

    public static final String PROPERTIES = "file://conf/postino.properties";
    public static final String EMBEDDED_DIRECTORY = "file://var/postino/store";

    private JamesStores() {
    }

    /**
     * The store this James is configured with, opened (and migrated) on first use; give it back with
     * {@link #release}.
     *
     * @throws MessagingException with one line naming the bad property, or saying why the store cannot open, so
     *                            that James refuses to start with it
     */
    public static PostinoStore acquire(FileSystem fileSystem) throws MessagingException {
        StoreConfig config = config(fileSystem);
        try {
            return SharedStores.acquire(config);
        } catch (StoreException e) {
            throw new MessagingException(e.getMessage());
        }
    }

    public static void release(PostinoStore store) {
        SharedStores.release(store);
    }

    /** Reads {@value #PROPERTIES}; the embedded default when it is absent. */
    public static StoreConfig config(FileSystem fileSystem) throws MessagingException {
        Path embedded;
        File propertiesFile;
        try {
            embedded = fileSystem.getFile(EMBEDDED_DIRECTORY).toPath();
            propertiesFile = fileSystem.getFile(PROPERTIES);
        } catch (IOException e) {
            throw new MessagingException("postino store: cannot resolve " + PROPERTIES + ": " + e.getMessage());
        }
        Properties properties = new Properties();
        if (propertiesFile.isFile()) {
            try (InputStream in = Files.newInputStream(propertiesFile.toPath());
                 Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new MessagingException("conf/postino.properties: cannot read it: " + e.getMessage());
            }
        }
        try {
            return StoreConfig.fromProperties(properties, embedded);
        } catch (IllegalArgumentException e) {
            throw new MessagingException("conf/postino.properties: " + e.getMessage());
        }
    }
}
