package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import javax.mail.Multipart;
import javax.mail.Part;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.mtasts.testing.PolicyServer;
import dev.postino.core.mtasts.testing.TestCa;

/**
 * MTA-STS (RFC 8461) and TLS reporting (RFC 8460) end to end: a real James relays to the scripted peer, which
 * offers STARTTLS with a certificate of a test CA; policies come from a local HTTPS server (the JDK's HttpsServer,
 * same CA, reached through a local CONNECT proxy so the fetcher asks for {@code mta-sts.DOMAIN} by name); the trust
 * store holding that CA is passed to PolicyRemoteDelivery. The report sender's clock runs a day ahead
 * ({@code postino.tlsrpt.clockOffset}), so that each day's report goes as soon as the day has sessions.
 * Tests run in order: some switch the peer's STARTTLS and must be over before the next begins.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtaStsIT {

    private static final MailRepositoryUrl BOUNCES = MailRepositoryUrl.from("memory://var/mail/bounces/");
    private static final AttributeName OUTCOMES = AttributeName.of("postino.delivery.outcomes");
    private static final AttributeName WARNING = AttributeName.of("postino.delivery.warning");
    private static final String RULES = "*  *  F,6s,2s\n";
    private static final List<String> DOMAINS = List.of("enforce", "mismatch", "stripped", "untrusted", "testing", "down",
        "slow", "large", "garbage", "reports");

    private static TestCa ca;
    private static TestDnsServer dns;
    private static PolicyServer policies;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;
    private static Path trustStore;
    private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();
    private static javax.net.ssl.SSLContext peerTls;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create("Postino MTA-STS IT CA");
        trustStore = ca.writeTrustStore(Files.createTempFile("mta-sts-trust", ".p12"));
        dns = TestDnsServer.start();
        for (String name : DOMAINS) {
            String domain = name + ".test";
            dns.add(domain + ". 300 IN MX 10 mx." + domain + ".").add("mx." + domain + ". 300 IN A 127.0.0.1");
            if (!name.equals("reports")) {
                dns.add("_mta-sts." + domain + ". 300 IN TXT \"v=STSv1; id=" + name + "1\"");
            }
        }
        for (String reported : List.of("enforce", "mismatch", "testing")) {
            dns.add("_smtp._tls." + reported + ".test. 300 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,"
                + "https://upload.reports.test/tlsrpt\"");
        }
        List<String> policyHosts = new java.util.ArrayList<>(DOMAINS.stream().map(d -> "mta-sts." + d + ".test").toList());
        policyHosts.add("upload.reports.test");
        policies = PolicyServer.start(ca.serverContext(policyHosts.toArray(String[]::new)));
        policies.acceptUploads("upload.reports.test")
            .serve("enforce.test", PolicyServer.Response.policy(policy("enforce", "mx.enforce.test")))
            .serve("mismatch.test", PolicyServer.Response.policy(policy("enforce", "mx.other.test")))
            .serve("stripped.test", PolicyServer.Response.policy(policy("enforce", "*.stripped.test")))
            .serve("untrusted.test", PolicyServer.Response.policy(policy("enforce", "mx.untrusted.test")))
            .serve("testing.test", PolicyServer.Response.policy(policy("testing", "mx.testing.test")))
            .serve("slow.test", PolicyServer.Response.policy(policy("enforce", "mx.elsewhere.test")).delayed(Duration.ofSeconds(60)))
            .serve("large.test", PolicyServer.Response.policy(policy("enforce", "mx.elsewhere.test") + "x_pad: "
                + "a".repeat(100_000) + "\n"))
            .serve("garbage.test", PolicyServer.Response.policy("<html><body>It works!</body></html>\n"));
        peerTls = ca.serverContext(DOMAINS.stream().map(d -> "mx." + d + ".test").toList().toArray(String[]::new));
        peer = ScriptedSmtpPeer.start("mx.enforce.test").startTls(peerTls);
        Logger delivery = (Logger) LoggerFactory.getLogger("dev.postino.james.mailets.PolicyRemoteDelivery");
        delivery.setLevel(Level.INFO);
        LOG.start();
        delivery.addAppender(LOG);
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .systemProperty("postino.tlsrpt.clockOffset", "P1DT1H") // past the day's end and the 15 minutes a report settles
            .replaceFile("e2e-retry-rules.conf", RULES)
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>e2e-retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"
                    + "<commandTimeout>10s</commandTimeout><endOfDataTimeout>10s</endOfDataTimeout>"
                    + "<tlsTrustStore>" + trustStore + "</tlsTrustStore>"
                    + "<mtaStsProxy>" + policies.proxy().getHostString() + ":" + policies.proxy().getPort() + "</mtaStsProxy>"
                    + "<mtaStsFetchTimeout>10s</mtaStsFetchTimeout><tlsRptInterval>2s</tlsRptInterval>"
                    + "<tlsRptOrganization>Postino IT</tlsRptOrganization><tlsRptContact>postmaster@postino.test</tlsRptContact>")
                .replace("<processor state=\"bounces\" enableJmx=\"false\">", "<processor state=\"bounces\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"ToRepository\"><repositoryPath>" + BOUNCES.asString()
                    + "</repositoryPath><passThrough>true</passThrough></mailet>"))
            .start();
        james.addUser("alice@postino.test", "alice-secret");
        inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret");
    }

    private static String policy(String mode, String mx) {
        return "version: STSv1\nmode: " + mode + "\nmx: " + mx + "\nmax_age: 86400\n";
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger("dev.postino.james.mailets.PolicyRemoteDelivery")).detachAppender(LOG);
        if (james != null) {
            james.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (policies != null) {
            policies.close();
        }
        if (dns != null) {
            dns.close();
        }
        Files.deleteIfExists(trustStore);
    }

    private static void send(String subject, String recipient) throws Exception {
        byte[] message = ("From: alice@postino.test\r\nSubject: " + subject + "\r\n\r\nHello.\r\n").getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test>").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + recipient + ">").code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    private static List<ScriptedSmtpPeer.Delivery> deliveriesTo(String recipient) {
        return peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).toList();
    }

    private static ScriptedSmtpPeer.Delivery awaitDeliveryTo(String recipient, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (deliveriesTo(recipient).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(deliveriesTo(recipient)).as("deliveries to " + recipient + "; log: " + log()).isNotEmpty();
        return deliveriesTo(recipient).get(0);
    }

    private static Mail awaitBounce(String recipient, Predicate<Mail> test) throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            for (MailKey key : repositories.listMailKeys(BOUNCES)) {
                Mail mail = repositories.getMail(BOUNCES, key);
                if (mail != null && mail.getRecipients().stream().anyMatch(r -> r.asString().equals(recipient)) && test.test(mail)) {
                    return mail;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no bounce for " + recipient + " in 60s; log: " + log());
    }

    private static String attribute(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(a -> (String) a.getValue().value()).orElse("");
    }

    private static boolean isFailure(Mail mail) {
        return !attribute(mail, WARNING).equals("true");
    }

    private static String log() {
        synchronized (LOG.list) {
            return String.join("\n", LOG.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        }
    }

    /** The deferral logged for {@code recipient}, waiting for it. */
    private static String awaitDeferralLogged(String recipient) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> line = log().lines().filter(l -> l.contains(" to " + recipient + " deferred: ")).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no deferral of " + recipient + " logged; log: " + log());
    }

    @Test
    @Order(1)
    void enforceWithAMatchingMxAndAValidCertificateDeliversOverTlsAndTheFetchedPolicyIsCached() throws Exception {
        send("enforce", "a@enforce.test");
        assertThat(awaitDeliveryTo("a@enforce.test", Duration.ofSeconds(60)).tls()).isTrue();
        assertThat(policies.fetches("enforce.test")).isEqualTo(1);

        send("enforce again", "a2@enforce.test");
        assertThat(awaitDeliveryTo("a2@enforce.test", Duration.ofSeconds(60)).tls()).isTrue();
        assertThat(policies.fetches("enforce.test")).as("within max_age, with the same id: no new fetch").isEqualTo(1);
        assertThat(log()).doesNotContain("deferred");
    }

    @Test
    @Order(2)
    void anMxHostThePolicyDoesNotNameDefersWithTheReasonAndTheNotificationSaysWhy() throws Exception {
        send("mismatch", "b@mismatch.test");

        String reason = "MTA-STS policy of mismatch.test (id mismatch1, enforce): mx.mismatch.test is not among its MX hosts"
            + " (mx.other.test)";
        assertThat(awaitDeferralLogged("b@mismatch.test")).contains(reason);
        Mail failure = awaitBounce("b@mismatch.test", MtaStsIT::isFailure);
        assertThat(attribute(failure, OUTCOMES)).contains("\"action\":\"failed\",\"status\":\"4.4.7\"").contains(reason);
        assertThat(inbox.awaitContaining("Final-Recipient: rfc822; b@mismatch.test", Duration.ofSeconds(60)))
            .contains("MTA-STS").contains("mx.other.test");
        assertThat(deliveriesTo("b@mismatch.test")).isEmpty();
    }

    @Test
    @Order(3)
    void aStrippedStartTlsDefersAndGivesUpWithTheReason() throws Exception {
        defersAndGivesUp(null, "stripped", "c@stripped.test", "MTA-STS policy of stripped.test (id stripped1, "
            + "enforce): TLS is required for this domain and mx.stripped.test does not offer STARTTLS", "does not offer STARTTLS");
    }

    @Test
    @Order(4)
    void anUntrustedCertificateDefersAndGivesUpWithTheReason() throws Exception {
        defersAndGivesUp(TestCa.create("not the trusted CA").serverContext("mx.untrusted.test"), "untrusted",
            "d@untrusted.test", "MTA-STS policy of untrusted.test (id untrusted1, enforce): TLS with mx.untrusted.test "
                + "failed: certificate not trusted", "certificate not trusted");
    }

    /** With the peer's STARTTLS as given (null: none), mail to {@code recipient} is deferred with the reason, then bounced. */
    private void defersAndGivesUp(javax.net.ssl.SSLContext tls, String subject, String recipient, String logged,
                                  String outcome) throws Exception {
        peer.startTls(tls);
        try {
            send(subject, recipient);

            assertThat(awaitDeferralLogged(recipient)).contains(logged);
            Mail failure = awaitBounce(recipient, MtaStsIT::isFailure);
            assertThat(attribute(failure, OUTCOMES)).contains(outcome);
            assertThat(deliveriesTo(recipient)).isEmpty();
        } finally {
            peer.startTls(peerTls);
        }
    }

    @Test
    @Order(5)
    void testingModeDeliversDespiteAnUntrustedCertificateAndReportsTheFailure() throws Exception {
        peer.startTls(TestCa.create("not the trusted CA either").serverContext("mx.testing.test"));
        try {
            send("testing", "e@testing.test");
            awaitDeliveryTo("e@testing.test", Duration.ofSeconds(60));
        } finally {
            peer.startTls(peerTls);
        }
        Map<String, Object> report = awaitUploadedReport("testing.test");
        Map<String, Object> policy = onlyPolicy(report);
        assertThat(policyPart(policy)).containsEntry("policy-type", "sts").containsEntry("policy-domain", "testing.test")
            .containsEntry("policy-string", List.of("version: STSv1", "mode: testing", "mx: mx.testing.test", "max_age: 86400"))
            .containsEntry("mx-host", List.of("mx.testing.test"));
        assertThat(failureDetails(policy)).anySatisfy(d -> assertThat(d).containsEntry("result-type", "certificate-not-trusted")
            .containsEntry("receiving-mx-hostname", "mx.testing.test").containsEntry("receiving-ip", "127.0.0.1"));
    }

    @Test
    @Order(6)
    void aPolicyHostThatIsDownSlowTooLargeOrServesGarbageNeverHoldsDeliveryBack() throws Exception {
        long start = System.nanoTime();
        for (String domain : List.of("down", "slow", "large", "garbage")) {
            send(domain, "f@" + domain + ".test");
        }
        for (String domain : List.of("down", "slow", "large", "garbage")) {
            // Without a valid cached policy a failed fetch means no policy (RFC 8461 section 5): delivered as before.
            awaitDeliveryTo("f@" + domain + ".test", Duration.ofSeconds(30));
        }
        // the slow host holds its domain's first attempt for the fetch deadline (10s), no longer
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThat(policies.fetches("slow.test")).isEqualTo(1);
        assertThat(policies.fetches("garbage.test")).isEqualTo(1);
    }

    @Test
    @Order(7)
    @SuppressWarnings("unchecked")
    void eachDaysReportGoesOnceByMailAndHttpsWithTheFieldsOfRfc8460() throws Exception {
        Map<String, Object> report = awaitUploadedReport("enforce.test");
        assertThat(report).containsOnlyKeys("organization-name", "date-range", "contact-info", "report-id", "policies");
        assertThat(report).containsEntry("organization-name", "Postino IT").containsEntry("contact-info",
            "mailto:postmaster@postino.test");
        assertThat((Map<String, Object>) report.get("date-range")).containsOnlyKeys("start-datetime", "end-datetime");
        Map<String, Object> policy = onlyPolicy(report);
        assertThat(policy).containsOnlyKeys("policy", "summary", "failure-details");
        assertThat(policyPart(policy)).containsOnlyKeys("policy-type", "policy-string", "policy-domain", "mx-host")
            .containsEntry("policy-domain", "enforce.test").containsEntry("mx-host", List.of("mx.enforce.test"));
        Map<?, ?> summary = (Map<?, ?>) policy.get("summary");
        assertThat(((Number) summary.get("total-successful-session-count")).longValue()).isGreaterThanOrEqualTo(1);
        assertThat(((Number) summary.get("total-failure-session-count")).longValue()).isZero();

        Map<String, Object> mismatch = awaitUploadedReport("mismatch.test");
        assertThat(failureDetails(onlyPolicy(mismatch))).anySatisfy(d -> assertThat(d)
            .containsEntry("result-type", "validation-failure").containsEntry("receiving-mx-hostname", "mx.mismatch.test"));

        ScriptedSmtpPeer.Delivery mail = awaitReportMail("enforce.test");
        MimeMessage message = new MimeMessage(Session.getInstance(new java.util.Properties()),
            new ByteArrayInputStream(mail.content()));
        assertThat(message.getContentType()).contains("multipart/report").contains("report-type=\"tlsrpt\"");
        assertThat(message.getHeader("TLS-Report-Domain", null)).isEqualTo("enforce.test");
        Part attachment = ((Multipart) message.getContent()).getBodyPart(1);
        assertThat(attachment.getContentType()).startsWith("application/tlsrpt+gzip");
        assertThat(attachment.getFileName()).startsWith("james.test!enforce.test!").endsWith(".json.gz");
        Map<String, Object> mailed = gunzipJson(attachment.getInputStream().readAllBytes());
        assertThat(mailed).isEqualTo(report);

        // Sent once: the sender keeps looking every 2s; more sessions that day change nothing.
        send("enforce after the report", "a3@enforce.test");
        awaitDeliveryTo("a3@enforce.test", Duration.ofSeconds(60));
        Thread.sleep(6000);
        assertThat(uploadsFor("enforce.test")).hasSize(1);
        assertThat(reportMailsFor("enforce.test")).hasSize(1);
    }

    private static List<PolicyServer.Upload> uploadsFor(String domain) {
        return policies.uploads().stream().filter(u -> {
            try {
                return onlyPolicyDomain(gunzipJson(u.body())).equals(domain);
            } catch (Exception e) {
                return false;
            }
        }).toList();
    }

    private static Map<String, Object> awaitUploadedReport(String domain) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (uploadsFor(domain).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        List<PolicyServer.Upload> uploads = uploadsFor(domain);
        assertThat(uploads).as("report uploads for " + domain + "; log: " + log()).hasSize(1);
        assertThat(uploads.get(0).contentType()).isEqualTo("application/tlsrpt+gzip");
        assertThat(uploads.get(0).path()).isEqualTo("/tlsrpt");
        return gunzipJson(uploads.get(0).body());
    }

    private static List<ScriptedSmtpPeer.Delivery> reportMailsFor(String domain) {
        return deliveriesTo("tlsrpt@reports.test").stream()
            .filter(d -> d.contentAsString().contains("TLS-Report-Domain: " + domain + "\r\n")).toList();
    }

    private static ScriptedSmtpPeer.Delivery awaitReportMail(String domain) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (reportMailsFor(domain).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(reportMailsFor(domain)).as("report mails for " + domain + "; log: " + log()).hasSize(1);
        ScriptedSmtpPeer.Delivery mail = reportMailsFor(domain).get(0);
        assertThat(mail.mailFrom()).isEqualTo("postmaster@postino.test");
        return mail;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> gunzipJson(byte[] gzipped) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return new ObjectMapper().readValue(in.readAllBytes(), Map.class);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyPolicy(Map<String, Object> report) {
        List<Map<String, Object>> policies = (List<Map<String, Object>>) report.get("policies");
        assertThat(policies).hasSize(1);
        return policies.get(0);
    }

    @SuppressWarnings("unchecked")
    private static String onlyPolicyDomain(Map<String, Object> report) {
        List<Map<String, Object>> policies = (List<Map<String, Object>>) report.get("policies");
        return (String) ((Map<String, Object>) policies.get(0).get("policy")).get("policy-domain");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> policyPart(Map<String, Object> policy) {
        return (Map<String, Object>) policy.get("policy");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> failureDetails(Map<String, Object> policy) {
        return (List<Map<String, Object>>) policy.get("failure-details");
    }
}
