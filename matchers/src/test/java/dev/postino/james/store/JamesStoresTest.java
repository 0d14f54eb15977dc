package dev.postino.james.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;

class JamesStoresTest {

    @TempDir
    Path james;

    /** James's file system: "file://x" is x under the working directory. */
    private FileSystem fileSystem() {
        return new FileSystem() {
            @Override
            public InputStream getResource(String url) throws java.io.IOException {
                return Files.newInputStream(getFile(url).toPath());
            }

            @Override
            public File getFile(String fileURL) throws FileNotFoundException {
                return james.resolve(fileURL.substring("file://".length())).toFile();
            }

            @Override
            public File getBasedir() {
                return james.toFile();
            }
        };
    }

    @Test
    void withoutPropertiesTheEmbeddedStoreLivesUnderVar() throws Exception {
        StoreConfig config = JamesStores.config(fileSystem());
        assertThat(config.dialect()).isEqualTo(StoreConfig.Dialect.H2);
        assertThat(config.url()).contains(james.resolve("var/postino/store").toString());
        PostinoStore store = JamesStores.acquire(fileSystem());
        try {
            assertThat(JamesStores.acquire(fileSystem())).isSameAs(store);
            JamesStores.release(store);
            assertThat(Files.exists(james.resolve("var/postino/store/postino.mv.db"))).isTrue();
        } finally {
            JamesStores.release(store);
        }
    }

    @Test
    void aBadPropertyRefusesWithOneLineNamingTheFile() throws Exception {
        Files.createDirectories(james.resolve("conf"));
        Files.writeString(james.resolve("conf/postino.properties"), "store.poolSize=0\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> JamesStores.config(fileSystem()))
            .isInstanceOf(MessagingException.class)
            .hasMessage("conf/postino.properties: store.poolSize=0: expected a whole number from 1 to 64");
    }

    @Test
    void anUnreachableDatabaseRefusesWithOneLine() throws Exception {
        Files.createDirectories(james.resolve("conf"));
        Files.writeString(james.resolve("conf/postino.properties"),
            "store.url=jdbc:postgresql://127.0.0.1:1/postino?connectTimeout=1\nstore.user=postgres\nstore.password=hunter2\n",
            StandardCharsets.UTF_8);
        assertThatThrownBy(() -> JamesStores.acquire(fileSystem()))
            .isInstanceOf(MessagingException.class)
            .hasMessageStartingWith("cannot open the store StoreConfig[jdbc:postgresql://127.0.0.1:1/postino")
            .hasMessageNotContaining("hunter2")
            .hasMessageNotContaining("\n");
    }
}
