package dev.postino.it;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.james.dnsservice.dnsjava.DNSJavaService;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.DataProbeImpl;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * {@code ./postino run}: James 3.8.1 (memory) with the drop-in jar and a configuration (conf-samples/ by
 * default), on loopback, with a sample domain and user, until Ctrl-C. The same harness the end-to-end tests
 * use, with the configuration's ports. {@link RunOptions#USAGE} lists the options.
 */
public final class PostinoRun {

    static final String DOMAIN = "postino.test";
    static final String USER = "alice@" + DOMAIN;
    static final String PASSWORD = "alice";
    /** The repository root, set by the {@code postino} script; the defaults are found under it. */
    static final String HOME_PROPERTY = "postino.home";
    /** Where log files go ({@code WORK/logs}); logback.xml names it as {@code ${postino.logs}}. */
    static final String LOG_DIR_PROPERTY = "postino.logs";

    private PostinoRun() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty(HOME_PROPERTY, ".")).toAbsolutePath().normalize();
        RunOptions options;
        try {
            options = RunOptions.parse(args, home, Path.of("").toAbsolutePath());
        } catch (IllegalArgumentException e) {
            System.err.println("postino run: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(RunOptions.USAGE);
            return;
        }
        // before anything logs: logback reads these once, at its first use
        Files.createDirectories(options.logs());
        System.setProperty(LOG_DIR_PROPERTY, options.logs().toString());
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", options.logbackConfiguration(home).toString());
        }

        TestDnsServer demoDns = null;
        List<InetSocketAddress> resolvers = options.dns();
        if (options.demoDns()) {
            String zone = Files.readString(home.resolve("samples/demo.zone"), StandardCharsets.UTF_8);
            try {
                demoDns = TestDnsServer.start(RunOptions.DEMO_DNS_PORT);
            } catch (java.net.BindException e) {
                System.err.println("postino run: --demo-dns: 127.0.0.1:" + RunOptions.DEMO_DNS_PORT
                    + " is taken (another ./postino run --demo-dns?): " + e.getMessage());
                System.exit(1);
                return;
            }
            demoDns.loadZone(zone, ".");
            resolvers = List.of(demoDns.address());
        }

        long started = System.nanoTime();
        JamesMemoryServer.Builder builder = JamesMemoryServer.builder()
            .confSamples(options.conf())
            .extensionJar(options.jar())
            .workingDirectory(options.work())
            .ephemeralPorts(false);
        if (!resolvers.isEmpty()) {
            String hostPorts = ResolverRewrite.hostPorts(resolvers);
            List<InetSocketAddress> servers = resolvers;
            builder.editFile("dnsservice.xml", xml -> ResolverRewrite.dnsServiceXml(xml, servers))
                .editFile("mailetcontainer.xml", xml -> ResolverRewrite.mailetDnsServers(xml, hostPorts))
                .editFile("smtpserver.xml", xml -> ResolverRewrite.mailetDnsServers(xml, hostPorts))
                .systemProperty("postino.dns.servers", hostPorts)
                .overrideWith(new AbstractModule() {
                    @Provides
                    @Singleton
                    DNSJavaService jamesDns(MetricFactory metrics) {
                        return new AnyPortDnsService(metrics, servers);
                    }
                });
        }
        JamesMemoryServer james;
        try {
            james = builder.start();
        } catch (Exception e) {
            if (demoDns != null) {
                demoDns.close();
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        TestDnsServer dnsToStop = demoDns;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\npostino run: stopping James ...");
            james.close();
            if (dnsToStop != null) {
                dnsToStop.close();
            }
            stopped.countDown();
        }, "postino-run-shutdown"));

        DataProbeImpl data = james.guiceServer().getProbe(DataProbeImpl.class);
        if (!data.containsDomain(DOMAIN)) {
            data.addDomain(DOMAIN);
        }
        if (!Arrays.asList(data.listUsers()).contains(USER)) {
            data.addUser(USER, PASSWORD);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        Path work = options.work();
        System.out.println();
        System.out.println("Postino is running in Apache James 3.8.1 (memory server), started in " + seconds + " s");
        System.out.println("  configuration  " + options.conf() + " (copied to " + work.resolve("conf") + ")");
        System.out.println("  drop-in jar    " + work.resolve("extensions-jars").resolve(options.jar().getFileName()));
        System.out.println("  logs           " + options.logs() + "/ (the delivery log among them)");
        System.out.println("  DNS            " + dnsLine(options, resolvers));
        System.out.println("  SMTP           127.0.0.1:" + james.smtpPort());
        System.out.println("  IMAP           127.0.0.1:" + james.imapPort() + "   user " + USER + ", password " + PASSWORD);
        System.out.println("  WebAdmin       " + webAdmin(work.resolve("conf/webadmin.properties")));
        System.out.println();
        System.out.println("Try it (README.md, \"Quick start\"):");
        System.out.println("  curl -sS smtp://127.0.0.1:" + james.smtpPort() + "/mail.demo.test --mail-from bob@demo.test --mail-rcpt "
            + USER + " --upload-file " + Path.of("").toAbsolutePath().relativize(home.resolve("samples/plain.eml")));
        System.out.println("then read it over IMAP:");
        System.out.println("  curl -sS --user " + USER + ":" + PASSWORD + " 'imap://127.0.0.1:" + james.imapPort()
            + "/INBOX;UID=1;SECTION=HEADER'");
        System.out.println("Ctrl-C stops James.");
        System.out.flush();
        stopped.await();
    }

    private static String dnsLine(RunOptions options, List<InetSocketAddress> resolvers) {
        if (options.demoDns()) {
            return ResolverRewrite.hostPorts(resolvers) + " (--demo-dns: samples/demo.zone; every other name NXDOMAIN)";
        }
        if (!resolvers.isEmpty()) {
            return ResolverRewrite.hostPorts(resolvers) + " (--dns)";
        }
        return "as the configuration says (conf-samples/: the system's resolvers)";
    }

    /** WebAdmin's base URL and its Prometheus route, from the running configuration. */
    private static String webAdmin(Path properties) throws IOException {
        Properties webadmin = new Properties();
        if (Files.isRegularFile(properties)) {
            try (Reader in = Files.newBufferedReader(properties, StandardCharsets.ISO_8859_1)) {
                webadmin.load(in);
            }
        }
        if (!Boolean.parseBoolean(webadmin.getProperty("enabled", "false").strip())) {
            return "off (webadmin.properties: enabled=false)";
        }
        String host = webadmin.getProperty("host", "localhost").strip();
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + webadmin.getProperty("port", "8000").strip();
        return base + "   metrics: " + base + "/metrics";
    }
}
