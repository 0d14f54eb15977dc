package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.testing.DkimInteropVerifiers;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * DkimSign as conf-samples/mailetcontainer.xml wires it, with the sample's demo keys and their published records
 * (conf-samples/dkim-DEMO-ONLY-postino.test.zone, served by a loopback DNS server): a user who authenticates relays
 * through James to a scripted remote server, which receives the mail with an ed25519 and an rsa signature that
 * verify with Postino's DkimVerify (the received mail sent back into the same James), dkimpy and Mail::DKIM; and
 * LocalizedBounce's notification to a remote sender leaves through the relay processor signed the same way.
 */
class DkimSignIT {

    private static final Path SAMPLES = Path.of("../conf-samples");

    private static TestDnsServer dns;
    private static ImapMailbox watch;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;
    private static final Map<String, String> RECORDS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("remote.test. 300 IN MX 10 mx.remote.test.").add("mx.remote.test. 300 IN A 127.0.0.1");
        String zone = Files.readString(SAMPLES.resolve("dkim-DEMO-ONLY-postino.test.zone"));
        dns.loadZone(zone, ".");
        for (String line : zone.lines().filter(l -> l.contains(" IN TXT ")).toList()) {
            RECORDS.put(line.substring(0, line.indexOf(". IN TXT")),
                line.substring(line.indexOf('"')).replace("\" \"", "").replace("\"", ""));
        }
        peer = ScriptedSmtpPeer.start("mx.remote.test")
            .onRcpt("gone@remote.test", "550 5.1.1 <gone@remote.test>: no such user");
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> xml.replace("<retryRules>retry-rules.conf</retryRules>",
                "<retryRules>retry-rules.conf</retryRules><port>" + peer.port() + "</port><heloName>james.test</heloName>")
                // each signature's verdict, made visible to this test
                .replace("<simplemapping>postino.dkim.result; X-Postino-Dkim</simplemapping>",
                    "<simplemapping>postino.dkim.result; X-Postino-Dkim</simplemapping></mailet>"
                        + "<mailet match=\"All\" class=\"MailAttributesToMimeHeaders\">"
                        + "<simplemapping>postino.dkim.signatures; X-Test-Dkim-Signatures</simplemapping>"))
            // AUTH offered, and only this host itself may relay without it: 127.0.0.2 is "a user elsewhere"
            .editFile("smtpserver.xml", xml -> xml.replace("<announce>never</announce>", "<announce>always</announce>")
                .replace("<authorizedAddresses>127.0.0.0/8</authorizedAddresses>",
                    "<authorizedAddresses>127.0.0.1/32</authorizedAddresses>"))
            .start();
        james.addUser("alice@postino.test", "alice-secret");
        james.addUser("watch@postino.test", "watch-secret");
        watch = new ImapMailbox(james.imapPort(), "watch@postino.test", "watch-secret");
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

    private static ScriptedSmtpPeer.Delivery awaitDeliveryTo(String recipient) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ScriptedSmtpPeer.Delivery delivery : peer.deliveries()) {
                if (delivery.recipients().contains(recipient)) {
                    return delivery;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no delivery to " + recipient + "; peer saw " + peer.commands());
    }

    /**
     * Both signatures, ed25519 on top, d=postino.test, pass with every verifier at hand: Postino's DkimVerify in
     * James (the mail sent back in, to a local mailbox), dkimpy and Mail::DKIM (rsa).
     */
    private static void assertSignedTwiceAndVerifies(byte[] received, String marker) throws Exception {
        String text = new String(received, StandardCharsets.ISO_8859_1);
        String header = text.substring(0, text.indexOf("\r\n\r\n")).replace("\r\n\t", " ");
        // James may put MIME-Version above them when it writes the message: header order is not signed
        assertThat(header.split("\r\n")).filteredOn(line -> line.startsWith("DKIM-Signature:")).satisfiesExactly(
            ed -> assertThat(ed).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=postino.test; s=ed2026;"),
            rsa -> assertThat(rsa).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=postino.test; s=rsa2026;"));
        // from 127.0.0.2, a client James does not trust, so that it verifies what arrives
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), "127.0.0.2")) {
            smtp.send("mx.remote.test", "", List.of("watch@postino.test"), received);
        }
        String delivered = watch.awaitContaining(marker, Duration.ofSeconds(60)).replaceAll("\r\n[ \t]+", " ");
        assertThat(delivered).contains("X-Postino-Dkim: pass")
            .contains("\"result\":\"pass\",\"domain\":\"postino.test\",\"selector\":\"ed2026\",\"algorithm\":\"ed25519-sha256\"")
            .contains("\"result\":\"pass\",\"domain\":\"postino.test\",\"selector\":\"rsa2026\",\"algorithm\":\"rsa-sha256\"");
        if (DkimInteropVerifiers.dkimpyAvailable()) {
            assertThat(DkimInteropVerifiers.dkimpy(received, RECORDS)).containsExactly(true, true);
        }
        if (DkimInteropVerifiers.mailDkimAvailable()) {
            assertThat(DkimInteropVerifiers.mailDkim(received, "127.0.0.1", dns.port()))
                .filteredOn(line -> line.contains("a=rsa-sha256")).singleElement().asString().startsWith("pass");
        }
    }

    @Test
    void anAuthenticatedUsersRelayedMailArrivesWithTwoSignaturesThatVerify() throws Exception {
        byte[] message = ("From: Alice <alice@postino.test>\r\n"
            + "To: Bob <bob@remote.test>\r\n"
            + "Subject: signed on the way out\r\n"
            + "Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <dkim-sign-it-1@postino.test>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
            + "\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nHello Bob.\r\n"
            + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(new byte[2000]) + "\r\n--b1--\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), "127.0.0.2")) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            String credentials = Base64.getEncoder().encodeToString("\0alice@postino.test\0alice-secret"
                .getBytes(StandardCharsets.US_ASCII));
            assertThat(smtp.command("AUTH PLAIN " + credentials).code()).isEqualTo(235);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test>").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<bob@remote.test>").code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
        ScriptedSmtpPeer.Delivery delivery = awaitDeliveryTo("bob@remote.test");
        assertSignedTwiceAndVerifies(delivery.content(), "dkim-sign-it-1@postino.test");
    }

    @Test
    void aNotificationToARemoteSenderLeavesSigned() throws Exception {
        byte[] message = ("From: carol@remote.test\r\nTo: gone@remote.test\r\nSubject: to nobody\r\n"
            + "Message-ID: <dkim-sign-it-2@remote.test>\r\n\r\nHello?\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            smtp.send("client.test", "carol@remote.test", List.of("gone@remote.test"), message);
        }
        ScriptedSmtpPeer.Delivery notification = awaitDeliveryTo("carol@remote.test");
        assertThat(notification.mailFrom()).isEmpty();
        assertThat(notification.contentAsString()).contains("MAILER-DAEMON@postino.test");
        assertSignedTwiceAndVerifies(notification.content(), "dkim-sign-it-2@remote.test");
    }
}
