package dev.postino.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.modules.RunArgumentsModule;
import org.apache.james.modules.protocols.ImapGuiceProbe;
import org.apache.james.modules.protocols.SmtpGuiceProbe;
import org.apache.james.utils.DataProbeImpl;
import org.apache.james.utils.MailRepositoryProbeImpl;

import com.google.inject.Module;

/**
 * A real James 3.8.1 memory server, in-process, set up as an administrator would: a working directory
 * whose {@code conf/} is a copy of {@code conf-samples/} and whose {@code extensions-jars/} holds the Postino
 * drop-in jar (James loads Postino from there, not from the classpath).
 *
 * <p>For tests, the listening ports of the samples are rewritten to ephemeral ones on 127.0.0.1 and
 * WebAdmin is turned off; each test may replace or edit any configuration file before start. Close it to
 * stop James and delete the working directory.
 */
public final class JamesMemoryServer implements AutoCloseable {

    /** Where the build puts the drop-in jar and the samples (set by the Maven build for the tests). */
    public static final String EXTENSION_JAR_PROPERTY = "postino.extension.jar";
    public static final String CONF_SAMPLES_PROPERTY = "postino.conf.samples";

    private final GuiceJamesServer server;
    private final Path workingDirectory;
    private final boolean deleteOnClose;
    private final Map<String, String> previousProperties;

    private JamesMemoryServer(GuiceJamesServer server, Path workingDirectory, boolean deleteOnClose,
                              Map<String, String> previousProperties) {
        this.server = server;
        this.workingDirectory = workingDirectory;
        this.deleteOnClose = deleteOnClose;
        this.previousProperties = previousProperties;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How the server is laid out before it starts. */
    public static final class Builder {
        private Path confSamples = pathProperty(CONF_SAMPLES_PROPERTY, "../conf-samples");
        private Path extensionJar = pathProperty(EXTENSION_JAR_PROPERTY, "../extension/target/postino-extension.jar");
        private Path workingDirectory;
        private boolean ephemeralPorts = true;
        private final Map<String, UnaryOperator<String>> edits = new LinkedHashMap<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final List<Module> overrides = new ArrayList<>();

        private Builder() {
        }

        public Builder confSamples(Path folder) {
            this.confSamples = folder;
            return this;
        }

        public Builder extensionJar(Path jar) {
            this.extensionJar = jar;
            return this;
        }

        /** Use this folder (kept on close) instead of a new temporary one (deleted on close). */
        public Builder workingDirectory(Path folder) {
            this.workingDirectory = folder;
            return this;
        }

        /** False keeps the samples' ports (2525, 1143, 8000), as {@code ./postino run} does. */
        public Builder ephemeralPorts(boolean ephemeral) {
            this.ephemeralPorts = ephemeral;
            return this;
        }

        /** Replaces a configuration file's whole content. */
        public Builder replaceFile(String name, String content) {
            edits.put(name, old -> content);
            return this;
        }

        /** Edits a configuration file's content (after the port rewriting). */
        public Builder editFile(String name, UnaryOperator<String> edit) {
            edits.merge(name, edit, (first, second) -> s -> second.apply(first.apply(s)));
            return this;
        }

        /** A JVM system property set while the server runs (e.g. {@code postino.dns.servers}). */
        public Builder systemProperty(String name, String value) {
            systemProperties.put(name, value);
            return this;
        }

        /**
         * Guice bindings that replace James's own, for a fault a test cannot provoke from outside (e.g.
         * {@link SpoolFaults}); the configuration files stay the samples'.
         */
        public Builder overrideWith(Module... modules) {
            overrides.addAll(List.of(modules));
            return this;
        }

        public JamesMemoryServer start() throws Exception {
            if (!Files.isRegularFile(extensionJar)) {
                throw new IllegalStateException("no drop-in jar at " + extensionJar.toAbsolutePath()
                    + ": build it first (mvn -B package)");
            }
            boolean temporary = workingDirectory == null;
            Path work = temporary ? Files.createTempDirectory("postino-james-") : workingDirectory;
            deleteTree(work.resolve("conf")); // a reused folder must not keep files the samples no longer have
            deleteTree(work.resolve("extensions-jars"));
            Path conf = Files.createDirectories(work.resolve("conf"));
            try (Stream<Path> files = Files.list(confSamples)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String name = file.getFileName().toString();
                    if (!name.endsWith(".md")) {
                        Files.copy(file, conf.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            if (ephemeralPorts) {
                for (String name : new String[] {"smtpserver.xml", "imapserver.xml", "lmtpserver.xml",
                    "pop3server.xml", "managesieveserver.xml"}) {
                    editFile(conf, name, s -> s.replaceAll("<bind>[^<]*</bind>", "<bind>127.0.0.1:0</bind>"));
                }
                editFile(conf, "webadmin.properties", s -> s.replaceAll("(?m)^enabled=.*$", "enabled=false"));
            }
            for (Map.Entry<String, UnaryOperator<String>> edit : edits.entrySet()) {
                editFile(conf, edit.getKey(), edit.getValue());
            }
            Path extensions = Files.createDirectories(work.resolve("extensions-jars"));
            Files.copy(extensionJar, extensions.resolve(extensionJar.getFileName()), StandardCopyOption.REPLACE_EXISTING);

            Map<String, String> previous = new LinkedHashMap<>();
            systemProperties.forEach((name, value) -> previous.put(name, System.setProperty(name, value)));

            GuiceJamesServer server = MemoryJamesServerMain.createServer(MemoryJamesConfiguration.builder()
                    .workingDirectory(work.toFile())
                    .build())
                .combineWith(new FakeSearchMailboxModule())
                .overrideWith(new RunArgumentsModule(new String[0]));
            if (!overrides.isEmpty()) {
                server = server.overrideWith(overrides.toArray(Module[]::new));
            }
            JamesMemoryServer james = new JamesMemoryServer(server, work, temporary, previous);
            try {
                server.start();
            } catch (Exception | Error e) {
                james.close();
                throw e;
            }
            return james;
        }

        private static void editFile(Path conf, String name, UnaryOperator<String> edit) throws IOException {
            Path file = conf.resolve(name);
            String content = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            Files.writeString(file, edit.apply(content), StandardCharsets.UTF_8);
        }

        private static Path pathProperty(String property, String fallback) {
            return Path.of(System.getProperty(property, fallback));
        }
    }

    public int smtpPort() {
        return server.getProbe(SmtpGuiceProbe.class).getSmtpPort().getValue();
    }

    public int imapPort() {
        return server.getProbe(ImapGuiceProbe.class).getImapPort();
    }

    public JamesMemoryServer addDomain(String domain) throws Exception {
        server.getProbe(DataProbeImpl.class).addDomain(domain);
        return this;
    }

    public JamesMemoryServer addUser(String address, String password) throws Exception {
        server.getProbe(DataProbeImpl.class).addUser(address, password);
        return this;
    }

    public Path workingDirectory() {
        return workingDirectory;
    }

    /** How many mails the repository at {@code url} holds, once it holds {@code expected} or 60 s have passed. */
    public long awaitRepositoryCount(MailRepositoryUrl url, long expected) throws Exception {
        MailRepositoryProbeImpl repositories = server.getProbe(MailRepositoryProbeImpl.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long count = repositories.getRepositoryMailCount(url);
        while (count < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            count = repositories.getRepositoryMailCount(url);
        }
        return count;
    }

    /** The underlying Guice server, for probes a test needs. */
    public GuiceJamesServer guiceServer() {
        return server;
    }

    @Override
    public void close() {
        try {
            if (server.isStarted()) {
                server.stop();
            }
        } finally {
            previousProperties.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
            if (deleteOnClose) {
                deleteTree(workingDirectory);
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
