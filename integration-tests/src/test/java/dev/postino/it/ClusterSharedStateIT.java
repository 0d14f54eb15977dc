package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import javax.mail.BodyPart;
import javax.mail.Multipart;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.store.testing.StoreBackends;

/**
 * The state two James nodes share through one PostgreSQL store: a suppression added through node A's WebAdmin stops
 * mail on node B, and the DMARC aggregate report for a day whose mail both nodes checked goes once, with both nodes'
 * counts. Both nodes run the sample configuration, plus {@code DmarcAggregateReports} (not in the sample: it needs a
 * reporting address); once every evaluation is stored, the test moves both nodes' report clock a day ahead, so that
 * today's evaluations are a finished day.
 */
class ClusterSharedStateIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SUPPRESSED = "gone@remote.test";
    private static final String RUA = "dmarc@sender.test";
    /** The report clock's test-only offset, read at each check (DmarcAggregateReports). */
    private static final String REPORT_CLOCK_OFFSET = "postino.dmarc.clockOffset";

    private TestDnsServer dns;
    private ScriptedSmtpPeer peer;
    private final List<JamesMemoryServer> nodes = new ArrayList<>();
    private String database;
    private int webAdminPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        for (String domain : List.of("remote.test", "sender.test")) {
            dns.add(domain + ". 300 IN MX 10 mx." + domain + ".").add("mx." + domain + ". 300 IN A 127.0.0.1");
        }
        dns.addTxt("sender.test", "v=spf1 ip4:127.0.0.2 -all")
            .addTxt("_dmarc.sender.test", "v=DMARC1; p=none; rua=mailto:" + RUA);
        peer = ScriptedSmtpPeer.start("mx.remote.test");
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            webAdminPort = free.getLocalPort();
        }
        database = "postino_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ClusteredDeferralIT.psql("CREATE DATABASE " + database);
        String store = "store.url=jdbc:postgresql://127.0.0.1:5432/" + database + "\nstore.user=postgres\n";
        node(store, webAdminPort);
        node(store, 0);
        for (JamesMemoryServer node : nodes) {
            node.addUser("alice@postino.test", "alice-secret");
        }
    }

    @AfterEach
    void stop() throws Exception {
        System.clearProperty(REPORT_CLOCK_OFFSET);
        for (JamesMemoryServer node : nodes) {
            node.close();
        }
        if (database != null) {
            ClusteredDeferralIT.psql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private void node(String properties, int webAdmin) throws Exception {
        int number = nodes.size() + 1;
        JamesMemoryServer.Builder builder = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .replaceFile("postino.properties", properties)
            // two nodes in one JVM: each server's and processor's MBean would be registered twice
            .editFile("smtpserver.xml", xml -> xml.replace("</jmxName>", "-" + number + "</jmxName>"))
            .editFile("imapserver.xml", xml -> xml.replace("</jmxName>", "-" + number + "</jmxName>"))
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<processors>", "<processors enableJmx=\"false\">")
                .replace("<processor state=\"root\" enableJmx=\"false\">", "<processor state=\"root\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"dev.postino.james.mailets.DmarcAggregateReports\">"
                    + "<reportingAddress>dmarc-reports@postino.test</reportingAddress><orgName>Postino test</orgName>"
                    + "<checkInterval>1s</checkInterval></mailet>")
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>retry-rules.conf</retryRules><port>"
                    + peer.port() + "</port><connectTimeout>2s</connectTimeout>"));
        if (webAdmin > 0) {
            builder.editFile("webadmin.properties", p -> p.replaceAll("(?m)^enabled=.*$", "enabled=true")
                .replaceAll("(?m)^port=.*$", "port=" + webAdmin));
        }
        nodes.add(builder.start());
    }

    @Test
    void aSuppressionAddedOnOneNodeStopsMailOnTheOther() throws Exception {
        HttpResponse<String> added = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + webAdminPort + "/postino/suppressions/" + SUPPRESSED))
            .timeout(Duration.ofSeconds(20))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"reason\": \"asked to stop\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

        JamesMemoryServer other = nodes.get(1);
        String messageId = "<" + UUID.randomUUID() + "@postino.test>";
        send(other, "127.0.0.1", "alice@postino.test", SUPPRESSED, messageId);
        String notice = new ImapMailbox(other.imapPort(), "alice@postino.test", "alice-secret")
            .awaitContaining("In-Reply-To: " + messageId, WAIT);
        assertThat(notice).contains("Action: failed").contains(SUPPRESSED);
        assertThat(peer.deliveries()).as("nothing reaches a suppressed address").noneMatch(d -> d.recipients().contains(SUPPRESSED));

        // and the node that added it delivers to other addresses as before
        send(nodes.get(0), "127.0.0.1", "alice@postino.test", "someone@remote.test", "<" + UUID.randomUUID() + "@postino.test>");
        awaitDeliveries("someone@remote.test", 1);
    }

    @Test
    void aDmarcReportForADayBothNodesSawGoesOnceWithBothNodesCounts() throws Exception {
        int perNode = 3;
        for (JamesMemoryServer node : nodes) {
            for (int i = 0; i < perNode; i++) {
                send(node, "127.0.0.2", "bob@sender.test", "alice@postino.test", "<" + UUID.randomUUID() + "@sender.test>");
            }
        }
        // every evaluation stored first; then the report clock moves past the day's end on both nodes at once
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (evaluationsStored() < perNode * nodes.size() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(evaluationsStored()).isEqualTo(perNode * nodes.size());
        assertThat(deliveriesTo(RUA)).as("nothing is due before the day ends").isEmpty();
        System.setProperty(REPORT_CLOCK_OFFSET, "P1DT1H"); // past the day's end and the 15 minutes a report settles
        ScriptedSmtpPeer.Delivery report = awaitDeliveries(RUA, 1).get(0);
        // both nodes look for due reports every second: give a second sending every chance to show
        Thread.sleep(5_000);
        assertThat(deliveriesTo(RUA)).as("one report for the day, whichever node sends it").hasSize(1);

        String xml = gunzippedAttachment(report.content());
        assertThat(xml).contains("urn:ietf:params:xml:ns:dmarc-2.0").contains("<domain>sender.test</domain>");
        int total = 0;
        Matcher count = Pattern.compile("<count>(\\d+)</count>").matcher(xml);
        while (count.find()) {
            total += Integer.parseInt(count.group(1));
        }
        assertThat(total).as("the evaluations of both nodes:\n" + xml).isEqualTo(perNode * nodes.size());
    }

    private long evaluationsStored() throws Exception {
        URI server = URI.create(StoreBackends.POSTGRES_BASE.substring("jdbc:".length()));
        Process process = new ProcessBuilder("psql", "-h", server.getHost(), "-p", String.valueOf(server.getPort()),
            "-U", StoreBackends.POSTGRES_USER, "-d", database, "-tAc", "SELECT count(*) FROM dmarc_evaluation")
            .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            return -1; // the table may not exist until the first node has migrated the store
        }
        return Long.parseLong(output);
    }

    private static void send(JamesMemoryServer node, String client, String from, String to, String messageId) throws Exception {
        byte[] message = ("From: " + from + "\r\nTo: " + to + "\r\nSubject: shared state\r\nMessage-ID: " + messageId
            + "\r\nDate: Wed, 2 Dec 2026 12:00:00 +0000\r\n\r\nHello.\r\n").getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", node.smtpPort(), client)) {
            assertThat(smtp.command("EHLO " + (client.equals("127.0.0.1") ? "client.test" : "mail.sender.test")).code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<" + from + ">").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + to + ">").code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    private List<ScriptedSmtpPeer.Delivery> deliveriesTo(String recipient) {
        return peer.deliveries().stream().filter(d -> d.recipients().stream()
            .anyMatch(r -> r.toLowerCase(Locale.ROOT).equals(recipient))).toList();
    }

    private List<ScriptedSmtpPeer.Delivery> awaitDeliveries(String recipient, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (deliveriesTo(recipient).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no delivery to " + recipient + " within " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(200);
        }
        return deliveriesTo(recipient);
    }

    /** The report's {@code .xml.gz} attachment, unzipped. */
    private static String gunzippedAttachment(byte[] message) throws Exception {
        MimeMessage mime = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(message));
        Multipart parts = (Multipart) mime.getContent();
        for (int i = 0; i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.getFileName() != null && part.getFileName().endsWith(".xml.gz")) {
                try (InputStream in = new GZIPInputStream(part.getInputStream())) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no .xml.gz attachment in\n" + new String(message, StandardCharsets.UTF_8));
    }
}
