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
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * PolicyRemoteDelivery as conf-samples/mailetcontainer.xml wires it, in a real James relaying for its authorized
 * network to a scripted remote peer found through the test DNS server, with second-scale retry rules and the
 * bounce processor routed to a repository for inspection. WebAdmin runs (on a free loopback port) so that the
 * outgoing queue can be browsed as an administrator would; tls.test requires TLS.
 */
class PolicyRemoteDeliveryIT {

    private static final MailRepositoryUrl BOUNCES = MailRepositoryUrl.from("memory://var/mail/bounces/");
    private static final AttributeName OUTCOMES = AttributeName.of("postino.delivery.outcomes");
    private static final AttributeName WARNING = AttributeName.of("postino.delivery.warning");
    private static final String RULES = """
        # seconds-scale schedules for the end-to-end tests
        giveup.test  *      F,5s,2s
        *            quota  F,1m,2s
        *            *      F,1m,2s
        """;

    private static TestDnsServer dns;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;
    private static int webAdminPort;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        for (String domain : List.of("relay.test", "giveup.test", "tls.test")) {
            dns.add(domain + ". 300 IN MX 10 mx." + domain + ".").add("mx." + domain + ". 300 IN A 127.0.0.1");
        }
        dns.add("nomail.test. 300 IN MX 0 .")
            // Nothing listens on 127.0.0.2: the preferred host refuses the connection.
            .add("two.test. 300 IN MX 5 down.two.test.").add("down.two.test. 300 IN A 127.0.0.2")
            .add("two.test. 300 IN MX 10 up.two.test.").add("up.two.test. 300 IN A 127.0.0.1");
        peer = ScriptedSmtpPeer.start("mx.relay.test");
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            webAdminPort = free.getLocalPort();
        }
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .replaceFile("e2e-retry-rules.conf", RULES)
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>e2e-retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"
                    + "<commandTimeout>10s</commandTimeout><endOfDataTimeout>10s</endOfDataTimeout>"
                    + "<requireTls>tls.test</requireTls>")
                .replace("<delayWarnings>4h, 24h</delayWarnings>", "<delayWarnings>3s</delayWarnings>")
                // A copy of every notice for inspection; the sample's own notices processing goes on after it.
                .replace("<processor state=\"bounces\" enableJmx=\"false\">", "<processor state=\"bounces\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"ToRepository\"><repositoryPath>" + BOUNCES.asString()
                    + "</repositoryPath><passThrough>true</passThrough></mailet>"))
            .editFile("webadmin.properties", properties -> properties.replaceAll("(?m)^enabled=.*$", "enabled=true")
                .replaceAll("(?m)^port=.*$", "port=" + webAdminPort))
            // conf-samples/smtpserver.xml enables James's DSN extension: NOTIFY, ORCPT, RET and ENVID reach the mail.
            .start();
        james.addUser("alice@postino.test", "alice-secret");
        inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        if (james != null) {
            james.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static void send(String subject, List<String> rcptCommands) throws Exception {
        byte[] message = ("From: alice@postino.test\r\nSubject: " + subject + "\r\n\r\nHello.\r\n.leading dot\r\n")
            .getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test> RET=HDRS ENVID=env-" + subject).code()).isEqualTo(250);
            for (String rcpt : rcptCommands) {
                assertThat(smtp.command(rcpt).code()).as(rcpt).isEqualTo(250);
            }
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    private static void send(String subject, String... recipients) throws Exception {
        send(subject, List.of(recipients).stream().map(r -> "RCPT TO:<" + r + ">").toList());
    }

    private static List<ScriptedSmtpPeer.Delivery> deliveriesTo(String recipient) {
        return peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).toList();
    }

    private static List<ScriptedSmtpPeer.Delivery> awaitDeliveryTo(String recipient, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (deliveriesTo(recipient).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(deliveriesTo(recipient)).as("deliveries to " + recipient + "; peer saw " + peer.commands()).isNotEmpty();
        return deliveriesTo(recipient);
    }

    private static List<Mail> bouncesFor(String recipient) throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        List<Mail> found = new java.util.ArrayList<>();
        for (MailKey key : repositories.listMailKeys(BOUNCES)) {
            Mail mail = repositories.getMail(BOUNCES, key);
            if (mail != null && mail.getRecipients().stream().anyMatch(r -> r.asString().equals(recipient))) {
                found.add(mail);
            }
        }
        return found;
    }

    /** The first mail in the bounce repository for {@code recipient} that {@code test} accepts, waiting up to 60s. */
    private static Mail awaitBounce(String recipient, Predicate<Mail> test) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            Optional<Mail> match = bouncesFor(recipient).stream().filter(test).findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no bounce for " + recipient + " in 60s");
    }

    private static String attribute(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(a -> (String) a.getValue().value()).orElse("");
    }

    private static boolean isWarning(Mail mail) {
        return attribute(mail, WARNING).equals("true");
    }

    @Test
    void relaysWithTheDsnParametersForwarded() throws Exception {
        send("dsn", List.of("RCPT TO:<bob@relay.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@relay.test"));

        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("bob@relay.test", Duration.ofSeconds(60)).get(0);

        assertThat(delivery.mailFrom()).isEqualTo("alice@postino.test");
        assertThat(delivery.mailParameters()).contains("RET=HDRS").contains("ENVID=env-dsn");
        assertThat(delivery.rcptParameters().get("bob@relay.test")).contains("NOTIFY=").contains("SUCCESS")
            .contains("FAILURE").contains("ORCPT=rfc822;bob@relay.test");
        assertThat(delivery.contentAsString()).contains("Subject: dsn").contains("\r\n.leading dot\r\n");
        assertThat(peer.commands()).contains("EHLO james.test");
        // The peer offers DSN, so NOTIFY=SUCCESS is its business: no "relayed" notice from James.
        Thread.sleep(1000);
        assertThat(bouncesFor("bob@relay.test")).isEmpty();
    }

    @Test
    void greylistedTwiceThenDeliveredOnceOnSchedule() throws Exception {
        peer.onRcpt("grey@relay.test", "451 4.7.1 Greylisted, try again", "451 4.7.1 Greylisted, try again", "250 2.1.5 ok");
        long start = System.nanoTime();

        send("greylisted", "grey@relay.test");
        awaitDeliveryTo("grey@relay.test", Duration.ofSeconds(60));

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(peer.rcptAttempts("grey@relay.test")).isEqualTo(3);
        // F,1m,2s: retries 2s and 4s after the first attempt.
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(4)).isLessThan(Duration.ofSeconds(40));
        Thread.sleep(2500);
        assertThat(deliveriesTo("grey@relay.test")).hasSize(1);
    }

    @Test
    void mailboxFullIsRetriedAndDelivered() throws Exception {
        peer.onRcpt("full@relay.test", "452 4.2.2 Mailbox full", "250 2.1.5 ok");

        send("quota", "full@relay.test");

        awaitDeliveryTo("full@relay.test", Duration.ofSeconds(60));
        assertThat(peer.rcptAttempts("full@relay.test")).isEqualTo(2);
    }

    @Test
    void oneRecipientRefusedIsBouncedAtOnceWithTheRemoteReplyAndTheOtherIsDelivered() throws Exception {
        peer.onRcpt("gone@relay.test", "550 5.1.1 <gone@relay.test>: no such user");

        send("one refused", "gone@relay.test", "kept@relay.test");

        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("kept@relay.test", Duration.ofSeconds(60)).get(0);
        assertThat(delivery.recipients()).containsExactly("kept@relay.test");
        Mail bounce = awaitBounce("gone@relay.test", m -> !isWarning(m));
        assertThat(bounce.getRecipients()).extracting(Object::toString).containsExactly("gone@relay.test");
        assertThat(bounce.getMaybeSender().asString()).isEqualTo("alice@postino.test");
        assertThat(attribute(bounce, OUTCOMES)).startsWith("[{\"recipient\":\"gone@relay.test\",\"action\":\"failed\",\"status\":\"5.1.1\",")
            .contains("\"remote_mta\":\"mx.relay.test\",\"reply\":\"550 5.1.1 <gone@relay.test>: no such user\"");
        assertThat(peer.rcptAttempts("gone@relay.test")).isEqualTo(1);
        // The sample's bounces processor (LocalizedBounce) turns the notice into a notification in the inbox.
        assertThat(inbox.awaitContaining("Diagnostic-Code: smtp; 550 5.1.1 <gone@relay.test>: no such user",
            Duration.ofSeconds(60))).contains("multipart/report").contains("Remote-MTA: dns; mx.relay.test").contains("Status: 5.1.1")
            .contains("Final-Recipient: rfc822; gone@relay.test");
    }

    @Test
    void fullUntilTheCutoffWarnsThenGivesUpWith447AndTheLastReply() throws Exception {
        peer.onRcpt("stuck@giveup.test", "452 4.2.2 Mailbox full (still)");

        send("give up", "stuck@giveup.test");

        Mail warning = awaitBounce("stuck@giveup.test", PolicyRemoteDeliveryIT::isWarning);
        assertThat(attribute(warning, OUTCOMES)).contains("\"action\":\"delayed\",\"status\":\"4.2.2\"")
            .contains("\"retry_until\":\"");
        // With the sample's defaults the warning made for a sender without NOTIFY reaches the sender (one setting).
        assertThat(inbox.awaitContaining("Final-Recipient: rfc822; stuck@giveup.test\r\nAction: delayed", Duration.ofSeconds(60)))
            .contains("Status: 4.2.2");
        Mail failure = awaitBounce("stuck@giveup.test", m -> !isWarning(m));
        assertThat(attribute(failure, OUTCOMES)).contains("\"action\":\"failed\",\"status\":\"4.4.7\"")
            .contains("\"reply\":\"452 4.2.2 Mailbox full (still)\"");
        assertThat(failure.getErrorMessage()).contains("452 4.2.2 Mailbox full (still)").doesNotContain("Too many retries");
        // The notification keeps the cause: a full mailbox, full until delivery was given up.
        assertThat(inbox.awaitContaining("Final-Recipient: rfc822; stuck@giveup.test\r\nAction: failed", Duration.ofSeconds(60)))
            .contains("Status: 4.4.7").contains("Diagnostic-Code: smtp; 452 4.2.2 Mailbox full (still)")
            .contains("The recipient's mailbox is full");
        int attempts = peer.rcptAttempts("stuck@giveup.test");
        Thread.sleep(3000);
        assertThat(peer.rcptAttempts("stuck@giveup.test")).as("no attempt after giving up").isEqualTo(attempts);
    }

    @Test
    void recipientsAtTwoDomainsFailingTogetherGetOneNotificationThatNamesBoth() throws Exception {
        peer.onRcpt("gone2@relay.test", "550 5.1.1 <gone2@relay.test>: no such user");

        send("two domains", "gone2@relay.test", "carol@nomail.test");

        Mail bounce = awaitBounce("gone2@relay.test", m -> !isWarning(m));
        assertThat(bounce.getRecipients()).extracting(Object::toString).containsExactly("gone2@relay.test", "carol@nomail.test");
        String notification = inbox.awaitContaining("Final-Recipient: rfc822; carol@nomail.test", Duration.ofSeconds(60));
        assertThat(notification).contains("Final-Recipient: rfc822; gone2@relay.test").contains("X-Postino-Phase: rcpt")
            .contains("Diagnostic-Code: x-postino; nomail.test accepts no mail");
        Thread.sleep(1000);
        assertThat(inbox.fetchAll().stream().map(raw -> new String(raw, StandardCharsets.UTF_8))
            .filter(m -> m.contains("Final-Recipient: rfc822; carol@nomail.test"))).hasSize(1);
    }

    @Test
    void aNullMxDomainIsBouncedAtOnceWith5110() throws Exception {
        send("null mx", "bob@nomail.test");

        Mail bounce = awaitBounce("bob@nomail.test", m -> true);

        assertThat(attribute(bounce, OUTCOMES)).contains("\"action\":\"failed\",\"status\":\"5.1.10\"");
        assertThat(bounce.getErrorMessage()).contains("null MX");
    }

    @Test
    void whenTheFirstMxRefusesTheSecondDelivers() throws Exception {
        send("second mx", "bob@two.test");

        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("bob@two.test", Duration.ofSeconds(60)).get(0);

        assertThat(delivery.recipients()).containsExactly("bob@two.test");
    }

    @Test
    void aConnectionLostAfterTheMessageIsRetriedNotDropped() throws Exception {
        peer.onDataFor("lost@relay.test", ScriptedSmtpPeer.DROP, "250 2.0.0 queued this time");

        send("dropped", "lost@relay.test");

        awaitDeliveryTo("lost@relay.test", Duration.ofSeconds(60));
        assertThat(peer.rcptAttempts("lost@relay.test")).isEqualTo(2);
        Thread.sleep(2500);
        assertThat(deliveriesTo("lost@relay.test")).hasSize(1);
        assertThat(bouncesFor("lost@relay.test")).isEmpty();
    }

    /** What WebAdmin shows of the outgoing queue, as an administrator would ask. */
    private static HttpResponse<String> browseOutgoingQueue() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webAdminPort
            + "/mailQueues/postino-outgoing/mails")).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWebAdminBrowseOfTheOutgoingQueueInTheMiddleOfADeliveryRunLosesNoMail() throws Exception {
        List<String> waiting = List.of("wait1@relay.test", "wait2@relay.test", "wait3@relay.test");
        List<String> later = List.of("later1@relay.test", "later2@relay.test", "later3@relay.test");
        // Each waiting recipient is refused twice, so its mail sits in the queue for two 2 s waits when the browse
        // comes (one wait was once too short a window on a loaded machine).
        for (String recipient : waiting) {
            peer.onRcpt(recipient, "451 4.7.1 Greylisted, try again", "451 4.7.1 Greylisted, try again", "250 2.1.5 ok");
        }
        for (String recipient : waiting) {
            send("browse " + recipient, recipient);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (waiting.stream().anyMatch(r -> peer.rcptAttempts(r) == 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        // Browse until WebAdmin lists a waiting mail (it is queued again just after the peer's refusal).
        HttpResponse<String> browse = browseOutgoingQueue();
        long browseUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (waiting.stream().noneMatch(browse.body()::contains) && System.nanoTime() < browseUntil) {
            Thread.sleep(50);
            browse = browseOutgoingQueue();
        }
        HttpResponse<String> again = browseOutgoingQueue();
        for (String recipient : later) {
            send("after browse " + recipient, recipient);
        }

        assertThat(browse.statusCode()).as(browse.body()).isEqualTo(200);
        assertThat(again.statusCode()).isEqualTo(200);
        String listed = browse.body();
        assertThat(waiting).as("waiting mails WebAdmin listed: " + listed).anyMatch(listed::contains);
        for (String recipient : waiting) {
            awaitDeliveryTo(recipient, Duration.ofSeconds(60));
            assertThat(peer.rcptAttempts(recipient)).isEqualTo(3);
        }
        for (String recipient : later) {
            awaitDeliveryTo(recipient, Duration.ofSeconds(60));
        }
        Thread.sleep(2500);
        for (String recipient : waiting) {
            assertThat(deliveriesTo(recipient)).as(recipient).hasSize(1);
        }
    }

    @Test
    void whereTlsIsRequiredAStartTlsAnsweredWith250IsRefusedAndNothingIsSent() throws Exception {
        peer.startTlsReply("250 2.0.0 no TLS here, carry on");
        try {
            send("downgrade", "bob@tls.test");

            Mail warning = awaitBounce("bob@tls.test", PolicyRemoteDeliveryIT::isWarning);

            assertThat(attribute(warning, OUTCOMES)).contains("\"action\":\"delayed\",\"status\":\"4.7.4\"");
            assertThat(warning.getErrorMessage())
                .isEqualTo("bob@tls.test: STARTTLS refused: 250 2.0.0 no TLS here, carry on");
            assertThat(peer.commands()).contains("STARTTLS");
            assertThat(peer.rcptAttempts("bob@tls.test")).isZero();
            assertThat(deliveriesTo("bob@tls.test")).isEmpty();
        } finally {
            peer.startTlsReply(null);
        }
    }
}
