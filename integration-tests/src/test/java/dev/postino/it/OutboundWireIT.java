package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * What PolicyRemoteDelivery writes on the wire, in a real James with the sample configuration relaying to a
 * scripted peer that announces {@code SIZE 20000}: messages made fit for SMTP (bare CR, long lines), QUIT after a
 * SIZE refusal, and envelope values whose xtext stands for control characters refused, never sent.
 */
class OutboundWireIT {

    private static final MailRepositoryUrl BOUNCES = MailRepositoryUrl.from("memory://var/mail/wire-bounces/");
    private static final AttributeName OUTCOMES = AttributeName.of("postino.delivery.outcomes");
    private static final int PEER_SIZE_LIMIT = 20_000;

    private static TestDnsServer dns;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("wire.test. 300 IN MX 10 mx.wire.test.").add("mx.wire.test. 300 IN A 127.0.0.1");
        peer = ScriptedSmtpPeer.start("mx.wire.test")
            .ehloExtensions(List.of("8BITMIME", "PIPELINING", "SIZE " + PEER_SIZE_LIMIT, "DSN"));
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"
                    + "<commandTimeout>10s</commandTimeout><endOfDataTimeout>10s</endOfDataTimeout>")
                .replace("<processor state=\"bounces\" enableJmx=\"false\">", "<processor state=\"bounces\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"ToRepository\"><repositoryPath>" + BOUNCES.asString()
                    + "</repositoryPath><passThrough>true</passThrough></mailet>"))
            .start();
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

    private static void send(String mailFrom, String recipient, String message) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command(mailFrom).code()).as(mailFrom).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + recipient + ">").code()).isEqualTo(250);
            assertThat(smtp.data(message.getBytes(StandardCharsets.ISO_8859_1)).code()).isEqualTo(250);
        }
    }

    private static ScriptedSmtpPeer.Delivery awaitDeliveryTo(String recipient) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            Optional<ScriptedSmtpPeer.Delivery> delivery = peer.deliveries().stream()
                .filter(d -> d.recipients().contains(recipient)).findFirst();
            if (delivery.isPresent()) {
                return delivery.get();
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("nothing delivered to " + recipient + "; the peer saw " + peer.commands());
    }

    private static Mail awaitBounce(String recipient) throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            for (MailKey key : repositories.listMailKeys(BOUNCES)) {
                Mail mail = repositories.getMail(BOUNCES, key);
                if (mail != null && mail.getRecipients().stream().anyMatch(r -> r.asString().equals(recipient))) {
                    return mail;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no bounce for " + recipient + " in 60s; the peer saw " + peer.commands());
    }

    /** The commands the peer saw since {@code before}, without the QUIT that may end the previous test's session. */
    private static List<String> commandsSince(int before) {
        List<String> since = peer.commands().subList(before, peer.commands().size());
        int first = 0;
        while (first < since.size() && since.get(first).equals("QUIT")) {
            first++;
        }
        return since.subList(first, since.size());
    }

    private static String outcomes(Mail mail) {
        return mail.getAttribute(OUTCOMES).map(a -> (String) a.getValue().value()).orElse("");
    }

    @Test
    void aBareCrAndALongLineReachThePeerFitForSmtp() throws Exception {
        String longLine = "B".repeat(1500);
        send("MAIL FROM:<alice@postino.test>", "fit@wire.test", "From: alice@postino.test\r\nSubject: fit\r\n\r\n"
            + "before\rafter\r\n" + longLine + "\r\nend\r\n");

        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("fit@wire.test");

        String content = delivery.contentAsString();
        // The bare CR is a space, not a line end; the line is broken with CR LF SP within 998 octets.
        assertThat(content).contains("\r\nbefore after\r\n").contains("\r\n" + longLine.substring(0, 998) + "\r\n "
            + longLine.substring(998) + "\r\nend\r\n");
        assertThat(content.split("\r\n")).allMatch(line -> line.length() <= 998);
    }

    @Test
    void aMessageOverThePeersSizeIsRefusedBeforeMailAndTheSessionEndsWithQuit() throws Exception {
        int before = peer.commands().size();

        send("MAIL FROM:<alice@postino.test>", "big@wire.test", "From: alice@postino.test\r\nSubject: big\r\n\r\n"
            + ("x".repeat(76) + "\r\n").repeat(PEER_SIZE_LIMIT / 78 + 10));

        Mail bounce = awaitBounce("big@wire.test");
        assertThat(outcomes(bounce)).contains("\"recipient\":\"big@wire.test\",\"action\":\"failed\",\"status\":\"5.3.4\"");
        assertThat(commandsSince(before)).containsExactly("EHLO james.test", "QUIT");
        assertThat(peer.deliveries()).noneMatch(d -> d.recipients().contains("big@wire.test"));
    }

    @Test
    void anEnvelopeIdStandingForALineBreakIsRefusedAndNothingIsSent() throws Exception {
        int before = peer.commands().size();

        // Valid xtext, so James takes it; decoded it holds CR LF.
        send("MAIL FROM:<alice@postino.test> ENVID=id+0D+0AQUIT", "envid@wire.test",
            "From: alice@postino.test\r\nSubject: envid\r\n\r\nhello\r\n");

        Mail bounce = awaitBounce("envid@wire.test");
        assertThat(outcomes(bounce)).contains("\"recipient\":\"envid@wire.test\",\"action\":\"failed\",\"status\":\"5.5.4\"");
        assertThat(commandsSince(before)).isEmpty();
    }

    @Test
    void anEnvelopeIdIsForwardedAsTheSenderEncodedIt() throws Exception {
        send("MAIL FROM:<alice@postino.test> ENVID=a+2Bb+3Dc", "plus@wire.test",
            "From: alice@postino.test\r\nSubject: plus\r\n\r\nhello\r\n");

        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("plus@wire.test");

        assertThat(delivery.mailParameters()).contains("ENVID=a+2Bb+3Dc");
    }
}
