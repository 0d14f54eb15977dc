package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * The drop-in jar holds Postino and nothing that James 3.8.1 already provides: every class in it is checked
 * against this module's classpath, which is James's own (the memory server and all its dependencies).
 */
class DropInJarIT {

    private static final Path JAR = Path.of(System.getProperty(JamesMemoryServer.EXTENSION_JAR_PROPERTY,
        "../extension/target/postino-extension.jar"));

    private static List<String> classes() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = new ArrayList<>();
            for (JarEntry entry : Collections.list(jar.entries())) {
                if (entry.getName().endsWith(".class")) {
                    names.add(entry.getName());
                }
            }
            return names;
        }
    }

    @Test
    void holdsCoreMatchersAndMailets() throws Exception {
        assertThat(classes()).contains(
            "dev/postino/core/dns/DnsClient.class",
            "dev/postino/james/matchers/IprevResultIs.class",
            "dev/postino/james/mailets/IprevCheck.class");
    }

    @Test
    void holdsNoClassJamesProvides() throws Exception {
        ClassLoader james = DropInJarIT.class.getClassLoader();
        // Sanity: James's own libraries are visible here, so the check below can see a clash.
        assertThat(james.getResource("org/xbill/DNS/Lookup.class")).isNotNull();
        assertThat(james.getResource("org/apache/mailet/base/GenericMailet.class")).isNotNull();

        List<String> clashes = classes().stream().filter(name -> james.getResource(name) != null).toList();

        assertThat(clashes).isEmpty();
    }

    @Test
    void bundlesOnlyPostinoRelocatedClassesAndTheStoreDrivers() throws Exception {
        // what James 3.8.1 lacks: the store's JDBC drivers (H2, PostgreSQL) and its pool (relocated)
        assertThat(classes()).map(name -> name.replaceFirst("^META-INF/versions/\\d+/", ""))
            .allMatch(name -> name.startsWith("dev/postino/") || name.startsWith("org/h2/") || name.startsWith("org/postgresql/"));
        assertThat(classes()).contains("dev/postino/shaded/hikari/HikariDataSource.class", "org/h2/Driver.class",
            "org/postgresql/Driver.class");
    }
}
