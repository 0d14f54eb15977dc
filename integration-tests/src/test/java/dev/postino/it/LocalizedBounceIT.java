package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Notifications in a real James: mail relayed by James's own RemoteDelivery to a scripted remote server that
 * refuses recipients comes back to the local sender, over IMAP, as a localized RFC 3464 notification sent by
 * LocalizedBounce from the drop-in jar (the sample {@code bounces} processor); NOTIFY=NEVER recipients are
 * left out; a sender the authentication step marked as forged gets nothing.
 */
class LocalizedBounceIT {

    private static TestDnsServer dns;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("1.0.0.127.in-addr.arpa. 300 IN PTR client.postino.test.").add("client.postino.test. 300 IN A 127.0.0.1")
            .add("remote.test. 300 IN MX 10 mx.remote.test.").add("mx.remote.test. 300 IN A 127.0.0.1");
        peer = ScriptedSmtpPeer.start("mx.remote.test")
            .onRcpt("bob@remote.test", "550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown")
            .onRcpt("carol@remote.test", "550 5.1.1 <carol@remote.test>: Recipient address rejected: User unknown")
            .onRcpt("dave@remote.test", "550 5.1.1 <dave@remote.test>: Recipient address rejected: User unknown");
        // The SPF step is another issue's: here a stock James mailet leaves the verdict it would leave.
        String forgedSender = """
            <mailet match="SenderIs=forged@postino.test" class="SetMailAttribute">
                <postino.spf.result>fail</postino.spf.result>
            </mailet>
            <mailet match="All" class="ToProcessor">
                <processor>transport</processor>
            </mailet>
            """;
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> xml
                // the sample's PolicyRemoteDelivery, with the scripted peer as every MX host
                .replace("<retryRules>retry-rules.conf</retryRules>",
                    "<retryRules>retry-rules.conf</retryRules><port>" + peer.port() + "</port>")
                .replaceFirst("(?s)<mailet match=\"All\" class=\"ToProcessor\">\\s*<processor>transport</processor>\\s*</mailet>",
                    forgedSender)
                .replace("<repositoryPath>memory://var/mail/bounces-unsent/</repositoryPath>",
                    "<repositoryPath>memory://var/mail/bounces-unsent/</repositoryPath><passThrough>true</passThrough>\n"
                        + "</mailet><mailet match=\"All\" class=\"Forward\"><forwardTo>watch@postino.test</forwardTo>"))
            .start();
        james.addUser("mario@postino.test", "mario-secret");
        james.addUser("forged@postino.test", "forged-secret");
        james.addUser("watch@postino.test", "watch-secret");
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

    private static byte[] message(String from, String subject) {
        return ("From: " + from + "\r\nTo: bob@remote.test\r\nSubject: " + subject + "\r\nContent-Language: it-IT\r\n"
            + "Message-ID: <" + subject.replace(' ', '-') + "@postino.test>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n\r\nCiao Bob, ecco il preventivo.\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String sendFrom(String sender, String subject, String... rcptLines) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.postino.test").text()).contains("DSN");
            assertThat(smtp.command("MAIL FROM:<" + sender + "> RET=HDRS ENVID=QQ314159").code()).isEqualTo(250);
            for (String rcpt : rcptLines) {
                assertThat(smtp.command("RCPT TO:" + rcpt).code()).as(rcpt).isEqualTo(250);
            }
            return smtp.data(message(sender, subject)).text();
        }
    }

    @Test
    void aRemoteRejectionComesBackInItalianWithoutNotifyNeverRecipients() throws Exception {
        sendFrom("mario@postino.test", "preventivo marzo",
            "<bob@remote.test> ORCPT=rfc822;bob@remote.test", "<carol@remote.test> NOTIFY=NEVER");

        List<byte[]> inbox = new ImapMailbox(james.imapPort(), "mario@postino.test", "mario-secret")
            .awaitMessages(1, Duration.ofSeconds(60));

        // Unfolded, as a header reader sees the fields.
        String notification = new String(inbox.get(0), StandardCharsets.UTF_8).replaceAll("\r\n([ \t])", "$1");
        assertThat(notification)
            .contains("Return-Path: <>")
            .contains("From: \"Sistema di consegna della posta\" <MAILER-DAEMON@postino.test>")
            .contains("Subject: Mancata consegna: preventivo marzo")
            .contains("Content-Language: it\r\n")
            .contains("Auto-Submitted: auto-replied")
            .contains("In-Reply-To: <preventivo-marzo@postino.test>")
            .contains("Content-Type: multipart/report; report-type=delivery-status")
            .contains("Original-Envelope-Id: QQ314159")
            .contains("Final-Recipient: rfc822; bob@remote.test")
            .contains("Original-Recipient: rfc822; bob@remote.test")
            .contains("Action: failed")
            .contains("Status: 5.1.1")
            .contains("Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown")
            .contains("Remote-MTA: dns; mx.remote.test")
            .contains("L'indirizzo non esiste")
            .contains("Content-Type: text/rfc822-headers")
            .doesNotContain("carol@remote.test")
            .doesNotContain("Ciao Bob");
        assertThat(peer.rcptAttempts("bob@remote.test")).isEqualTo(1);
    }

    @Test
    void aForgedSenderGetsNoNotification() throws Exception {
        sendFrom("forged@postino.test", "falso", "<dave@remote.test>");

        List<byte[]> unsent = new ImapMailbox(james.imapPort(), "watch@postino.test", "watch-secret")
            .awaitMessages(1, Duration.ofSeconds(60));

        assertThat(new String(unsent.get(0), StandardCharsets.UTF_8)).contains("Subject: falso");
        // LocalizedBounce either sends or routes to the unsent processor, never both: the forward above is proof.
        assertThat(new ImapMailbox(james.imapPort(), "forged@postino.test", "forged-secret").fetchAll()).isEmpty();
    }
}
