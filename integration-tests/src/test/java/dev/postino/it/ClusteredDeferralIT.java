package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.inject.Module;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.store.testing.StoreBackends;

/**
 * PolicyRemoteDelivery on clustered James: nodes whose outgoing queue ignores delays as James's RabbitMQ queue does
 * ({@link DelayIgnoringQueues}, one queue shared by the nodes as a broker's is) and that share one PostgreSQL store.
 * 200 mails to a peer that greylists each recipient twice (451, 451, then 250) must each be delivered exactly once,
 * each retry on the schedule of the retry rule ({@value #INTERVAL_SECONDS} s apart) within the tolerance below, with
 * a bounded number of dequeues per mail (no hot loop), while one node stops in the middle. Then the same on one node
 * with the embedded store, forced with {@code deferral=store} on James's own memory queue, with WebAdmin's release
 * and bounce.
 *
 * <p>Tolerance: retry k is planned k intervals after the first attempt, counted from the start of that round; the peer
 * sees it at most {@link #EARLY} earlier (DeliveryRound takes a recipient due within 1 s along, and the first RCPT
 * comes a DNS lookup and an SMTP greeting after the round starts) and at most {@link #LATE} later: the release runs
 * every 500 ms, but released mails wait behind the first attempts of 200 mails for the 8 SMTP sessions of a node, on
 * a 2-core machine shared with other builds (load averages of 25 were seen; on it, retries were up to 37 s late on
 * one node), and a claim the stopped node held is free after its 10 s lease. An early release and a hot loop are
 * what the deferral path could cause: the first is bounded tightly, the second by the exact dequeue count per mail.
 */
class ClusteredDeferralIT {

    private static final int MAILS = 200;
    private static final int INTERVAL_SECONDS = 3;
    private static final Duration EARLY = Duration.ofSeconds(2);
    private static final Duration LATE = Duration.ofSeconds(60);
    private static final String QUEUE = "postino-outgoing";
    private static final MailRepositoryUrl BOUNCES = MailRepositoryUrl.from("memory://var/mail/bounces/");
    private static final AttributeName NOTICE = AttributeName.of("postino.delivery.notice");
    private static final String RULES = """
        # test schedules: greylisting retried every 3 s; slow.test every minute for an hour
        slow.test  *  F,1h,1m
        *          *  F,1m,3s
        """;

    private TestDnsServer dns;
    private ScriptedSmtpPeer peer;
    private final List<JamesMemoryServer> nodes = new ArrayList<>();
    private String database;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        for (String domain : List.of("grey.test", "slow.test")) {
            dns.add(domain + ". 300 IN MX 10 mx." + domain + ".").add("mx." + domain + ". 300 IN A 127.0.0.1");
        }
        peer = ScriptedSmtpPeer.start("mx.grey.test");
        for (int i = 0; i < MAILS; i++) {
            peer.onRcpt(recipient(i), "451 4.7.1 Greylisted, try again", "451 4.7.1 Greylisted, try again", "250 2.1.5 ok");
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (JamesMemoryServer node : nodes) {
            node.close();
        }
        if (database != null) {
            psql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static String recipient(int i) {
        return String.format(Locale.ROOT, "r%03d@grey.test", i);
    }

    private JamesMemoryServer node(String properties, String deferral, int webAdminPort, Module... overrides) throws Exception {
        JamesMemoryServer.Builder builder = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .replaceFile("e2e-retry-rules.conf", RULES)
            .replaceFile("postino.properties", properties)
            // two nodes in one JVM: each server's MBean needs its own name
            .editFile("smtpserver.xml", xml -> xml.replace("</jmxName>", "-" + (nodes.size() + 1) + "</jmxName>"))
            .editFile("imapserver.xml", xml -> xml.replace("</jmxName>", "-" + (nodes.size() + 1) + "</jmxName>"))
            .editFile("mailetcontainer.xml", xml -> xml
                // two nodes in one JVM: James would register each processor's MBean twice
                .replace("<processors>", "<processors enableJmx=\"false\">")
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>e2e-retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"
                    + "<commandTimeout>10s</commandTimeout><endOfDataTimeout>10s</endOfDataTimeout>"
                    + "<deferral>" + deferral + "</deferral><deferralPoll>500ms</deferralPoll><deferralLease>10s</deferralLease>")
                .replace("<processor state=\"bounces\" enableJmx=\"false\">", "<processor state=\"bounces\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"ToRepository\"><repositoryPath>" + BOUNCES.asString()
                    + "</repositoryPath><passThrough>true</passThrough></mailet>"))
            .overrideWith(overrides);
        if (webAdminPort > 0) {
            builder.editFile("webadmin.properties", p -> p.replaceAll("(?m)^enabled=.*$", "enabled=true")
                .replaceAll("(?m)^port=.*$", "port=" + webAdminPort)
                + "\nextensions.routes=dev.postino.james.webadmin.DeferredMailRoutes\n");
        }
        JamesMemoryServer node = builder.start();
        nodes.add(node);
        return node;
    }

    private static void send(JamesMemoryServer node, String subject, String recipient) throws Exception {
        byte[] message = ("From: alice@postino.test\r\nSubject: " + subject + "\r\n\r\nHello.\r\n").getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", node.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test>").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + recipient + ">").code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    /** The {@value #MAILS} greylisted mails, mail i to {@code nodeOf(i)}, over 4 SMTP sessions at a time. */
    private static void sendAll(java.util.function.IntFunction<JamesMemoryServer> nodeOf) throws Exception {
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < MAILS; i++) {
                int n = i;
                sent.add(senders.submit(() -> {
                    send(nodeOf.apply(n), "mail " + n, recipient(n));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> mail : sent) {
                mail.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            senders.shutdownNow();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    private Map<String, Integer> deliveriesPerRecipient() {
        Map<String, Integer> counts = new HashMap<>();
        peer.deliveries().forEach(d -> d.recipients().forEach(r -> counts.merge(r, 1, Integer::sum)));
        return counts;
    }

    /** When the peer saw each RCPT TO for each recipient (nanoTime), in order. */
    private Map<String, List<Long>> rcptTimes() {
        Map<String, List<Long>> times = new HashMap<>();
        for (ScriptedSmtpPeer.Event event : peer.events()) {
            if (event.kind() == ScriptedSmtpPeer.Event.Kind.COMMAND && event.detail().toUpperCase(Locale.ROOT).startsWith("RCPT TO:<")) {
                String rcpt = event.detail().substring("RCPT TO:<".length(), event.detail().indexOf('>')).toLowerCase(Locale.ROOT);
                times.computeIfAbsent(rcpt, r -> new ArrayList<>()).add(event.nanoTime());
            }
        }
        return times;
    }

    /**
     * Every greylisted recipient: delivered exactly once, after exactly three RCPTs, retry k at its time on the rule's
     * schedule, k intervals after the first attempt (the retry policy counts a late attempt at its due time, so the
     * schedule does not drift), within the tolerance.
     */
    private void assertDeliveredOnceOnSchedule() {
        Map<String, Integer> delivered = deliveriesPerRecipient();
        Map<String, List<Long>> times = rcptTimes();
        Duration interval = Duration.ofSeconds(INTERVAL_SECONDS);
        List<String> offSchedule = new ArrayList<>();
        long earliest = Long.MAX_VALUE;
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < MAILS; i++) {
            String r = recipient(i);
            assertThat(delivered.get(r)).as("deliveries to " + r + " (RCPTs " + peer.rcptAttempts(r) + ")").isEqualTo(1);
            assertThat(peer.rcptAttempts(r)).as("RCPTs for " + r).isEqualTo(3);
            List<Long> at = times.get(r);
            for (int k = 1; k < at.size(); k++) {
                Duration since = Duration.ofNanos(at.get(k) - at.get(0));
                Duration planned = interval.multipliedBy(k);
                earliest = Math.min(earliest, since.minus(planned).toMillis());
                latest = Math.max(latest, since.minus(planned).toMillis());
                if (since.compareTo(planned.minus(EARLY)) < 0 || since.compareTo(planned.plus(LATE)) > 0) {
                    offSchedule.add(r + " retry " + k + " at +" + since.toMillis() + " ms, planned +" + planned.toMillis() + " ms");
                }
            }
        }
        System.out.printf("ClusteredDeferralIT: retries from %d ms to %d ms off their planned times%n", earliest, latest);
        assertThat(offSchedule).as("retries off the %d s schedule (tolerance -%d ms, +%d s)", INTERVAL_SECONDS,
            EARLY.toMillis(), LATE.toSeconds()).isEmpty();
    }

    private static HttpResponse<String> webAdmin(int port, String method, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return free.getLocalPort();
        }
    }

    @Test
    void twoNodesSharingPostgresqlDeliverEachGreylistedMailOnceOnScheduleWhileOneStops() throws Exception {
        database = "postino_it_" + Long.toHexString(System.nanoTime());
        psql("CREATE DATABASE " + database);
        String properties = "store.url=" + StoreBackends.POSTGRES_BASE + database + "\nstore.user=" + StoreBackends.POSTGRES_USER + "\n";
        DelayIgnoringQueues cluster = new DelayIgnoringQueues(Set.of(QUEUE));
        int webAdmin = freePort();
        JamesMemoryServer nodeA = node(properties, "auto", webAdmin, cluster.module());
        JamesMemoryServer nodeB = node(properties, "auto", 0, cluster.module());

        sendAll(i -> i % 2 == 0 ? nodeA : nodeB);
        await("a first attempt for every recipient", Duration.ofSeconds(60),
            () -> java.util.stream.IntStream.range(0, MAILS).allMatch(i -> peer.rcptAttempts(recipient(i)) >= 1));

        // What waits is visible on WebAdmin, from the shared store.
        HttpResponse<String> listed = webAdmin(webAdmin, "GET", "/postino/deferred?limit=5");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"total\":").contains("@grey.test").contains("451 4.7.1 Greylisted");
        HttpResponse<String> domains = webAdmin(webAdmin, "GET", "/postino/deferred/domains");
        assertThat(domains.body()).contains("\"grey.test\":");

        nodeB.close(); // in the middle: second attempts under way, third ones to come
        nodes.remove(nodeB);
        int abandoned = cluster.requeueAbandoned(); // as RabbitMQ redelivers a closed channel's unacknowledged messages

        await("every mail delivered", Duration.ofSeconds(90), () -> deliveriesPerRecipient().size() >= MAILS);
        Thread.sleep(2000); // a duplicate would arrive within this
        assertDeliveredOnceOnSchedule();

        Map<String, Integer> dequeues = cluster.dequeues(QUEUE);
        int total = dequeues.values().stream().mapToInt(Integer::intValue).sum();
        // Three rounds each; a mail handed to the stopping node and never started is taken once more.
        assertThat(dequeues).hasSize(MAILS);
        assertThat(dequeues.values()).allSatisfy(n -> assertThat(n).isBetween(3, 4));
        assertThat(total).isLessThanOrEqualTo(3 * MAILS + abandoned);
        assertThat(cluster.waiting(QUEUE)).isZero();
        await("the deferral store empty", Duration.ofSeconds(10),
            () -> uncheck(() -> webAdmin(webAdmin, "GET", "/postino/deferred").body().contains("\"total\":0")));
    }

    @Test
    void oneNodeWithTheEmbeddedStoreDoesTheSameAndTakesReleaseAndBounce() throws Exception {
        int webAdmin = freePort();
        JamesMemoryServer node = node("# the embedded store: var/postino/store\n", "store", webAdmin);
        peer.onRcpt("later@slow.test", "451 4.7.1 Greylisted, try again", "250 2.1.5 ok");
        peer.onRcpt("never@slow.test", "451 4.7.1 Greylisted, try again");
        send(node, "later", "later@slow.test");
        send(node, "never", "never@slow.test");
        sendAll(i -> node);
        await("every greylisted mail delivered", Duration.ofSeconds(90), () -> deliveriesPerRecipient().size() >= MAILS);
        Thread.sleep(2000);
        assertDeliveredOnceOnSchedule();

        // The two slow.test mails wait a minute for their retry: release one now, bounce the other.
        String listed = webAdmin(webAdmin, "GET", "/postino/deferred").body();
        assertThat(listed).contains("\"total\":2").contains("later@slow.test").contains("never@slow.test");
        assertThat(webAdmin(webAdmin, "GET", "/postino/deferred/domains").body()).isEqualTo("{\"slow.test\":2}");
        String later = nameOf(listed, "later@slow.test");
        String never = nameOf(listed, "never@slow.test");
        assertThat(webAdmin(webAdmin, "POST", "/postino/deferred/" + later + "/release").statusCode()).isEqualTo(204);
        assertThat(webAdmin(webAdmin, "POST", "/postino/deferred/" + never + "/bounce").statusCode()).isEqualTo(204);
        assertThat(webAdmin(webAdmin, "POST", "/postino/deferred/no-such-mail/bounce").statusCode()).isEqualTo(404);

        await("later@slow.test delivered on release", Duration.ofSeconds(20),
            () -> deliveriesPerRecipient().containsKey("later@slow.test"));
        Mail bounce = awaitFailureNotice(node, "alice@postino.test");
        assertThat(bounce.getErrorMessage()).contains("never@slow.test").contains("451 4.7.1 Greylisted");
        assertThat(peer.rcptAttempts("never@slow.test")).isEqualTo(1);
        await("the deferral store empty", Duration.ofSeconds(10),
            () -> uncheck(() -> webAdmin(webAdmin, "GET", "/postino/deferred").body().contains("\"total\":0")));
    }

    private static String nameOf(String listing, String recipient) {
        int at = listing.indexOf(recipient);
        int name = listing.lastIndexOf("\"name\":\"", at);
        String rest = listing.substring(name + "\"name\":\"".length());
        return rest.substring(0, rest.indexOf('"'));
    }

    private static Mail awaitFailureNotice(JamesMemoryServer node, String sender) throws Exception {
        MailRepositoryProbeImpl repositories = node.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            for (MailKey key : repositories.listMailKeys(BOUNCES)) {
                Mail mail = repositories.getMail(BOUNCES, key);
                if (mail != null && mail.getAttribute(NOTICE).map(a -> "failed".equals(a.getValue().value())).orElse(false)) {
                    return mail;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no failure notice for " + sender + " in 20 s");
    }

    /**
     * Runs one statement on the test PostgreSQL server with psql (StoreBackends' way without the JDBC driver, which
     * stays off this classpath: James loads it from the drop-in jar).
     */
    static void psql(String sql) throws Exception {
        URI server = URI.create(StoreBackends.POSTGRES_BASE.substring("jdbc:".length()));
        Process process = new ProcessBuilder("psql", "-h", server.getHost(), "-p", String.valueOf(server.getPort()),
            "-U", StoreBackends.POSTGRES_USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("psql " + sql + ": " + output);
        }
    }

    private interface Check {
        boolean get() throws Exception;
    }

    private static boolean uncheck(Check check) {
        try {
            return check.get();
        } catch (Exception e) {
            return false;
        }
    }
}
