package dev.postino.james.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Set;

import javax.mail.MessagingException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.james.filesystem.api.FileSystem;

import dev.postino.core.mtasts.MtaStsSettings;

/**
 * {@link PolicyRemoteDelivery}'s MTA-STS and TLS-RPT parameters (documented there), read strictly.
 *
 * @param settings      the level per domain
 * @param fetchTimeout  the whole policy fetch's deadline
 * @param proxy         an HTTP proxy for the policy fetches and report uploads, or null
 * @param trustStore    the trust store for verified TLS (SMTP, policy hosts, report uploads), or null for the JVM's
 * @param useStore      whether policies and counts live in Postino's store (else in memory)
 * @param reports       whether TLS reports are counted and sent
 * @param organization  {@code organization-name} of the reports
 * @param contact       {@code contact-info} of the reports, and the reports' sender address
 * @param reportInterval how often due reports are looked for
 * @param reportProcessor where report mails are sent
 */
record MtaStsParameters(MtaStsSettings settings, Duration fetchTimeout, InetSocketAddress proxy, KeyStore trustStore,
                        boolean useStore, boolean reports, String organization, String contact, Duration reportInterval,
                        String reportProcessor) {

    static final Set<String> NAMES = Set.of("mtaSts", "mtaStsOverrides", "mtaStsFetchTimeout", "mtaStsProxy",
        "mtaStsCache", "tlsTrustStore", "tlsTrustStorePassword", "tlsRpt", "tlsRptOrganization", "tlsRptContact",
        "tlsRptInterval", "tlsRptProcessor");

    /** {@code known} plus {@link #NAMES}. */
    static Set<String> withNames(Set<String> known) {
        Set<String> all = new java.util.TreeSet<>(known);
        all.addAll(NAMES);
        return all;
    }

    static MtaStsParameters read(MailetParameters p, FileSystem fileSystem, String heloName) throws MessagingException {
        MtaStsSettings.Level level = p.value("mtaSts", MtaStsSettings.Level.ENFORCE, MtaStsSettings.Level::parse);
        MtaStsSettings settings = new MtaStsSettings(level, p.value("mtaStsOverrides", java.util.List.of(),
            MtaStsSettings::parseOverrides));
        String cache = p.string("mtaStsCache", "store");
        if (!cache.equals("store") && !cache.equals("memory")) {
            throw p.invalid("mtaStsCache", cache, "store or memory");
        }
        return new MtaStsParameters(settings, p.duration("mtaStsFetchTimeout", Duration.ofSeconds(30)),
            p.value("mtaStsProxy", null, MtaStsParameters::hostPort), trustStore(p, fileSystem), cache.equals("store"),
            p.bool("tlsRpt", true), p.string("tlsRptOrganization", heloName),
            p.string("tlsRptContact", "postmaster@" + heloName), p.duration("tlsRptInterval", Duration.ofHours(1)),
            p.string("tlsRptProcessor", "relay"));
    }

    private static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(colon + 1).matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("expected host:port");
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535");
        }
        return new InetSocketAddress(text.substring(0, colon), port);
    }

    private static KeyStore trustStore(MailetParameters p, FileSystem fileSystem) throws MessagingException {
        String file = p.string("tlsTrustStore", null);
        if (file == null) {
            return null;
        }
        char[] password = p.string("tlsTrustStorePassword", "changeit").toCharArray();
        try {
            Path path = Path.of(file).isAbsolute() ? Path.of(file)
                : fileSystem.getFile(FileSystem.FILE_PROTOCOL_AND_CONF + file).toPath();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(path)) {
                store.load(in, password);
            }
            return store;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw p.rejected("tlsTrustStore", file, "cannot read it as a PKCS12 trust store: " + e.getMessage());
        }
    }

    /** The context for verified SMTP TLS from {@link #trustStore}, or null for the JVM's. */
    SSLContext verifiedTls() {
        if (trustStore == null) {
            return null;
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the trust store: " + e.getMessage(), e);
        }
    }
}
