package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * The whole chain in a real James: a message sent over SMTP passes the root processor of
 * conf-samples/mailetcontainer.xml, whose IprevCheck mailet and IprevResultIs matcher come from the drop-in
 * jar in extensions-jars/, and is read back over IMAP with the verdict that Postino computed from the test
 * DNS server.
 */
class SmtpToImapIT {

    private static TestDnsServer dns;
    private static JamesMemoryServer james;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        // 127.0.0.1 has a forward-confirmed name; 127.0.0.2 has no PTR at all.
        dns.add("1.0.0.127.in-addr.arpa. 300 IN PTR client.sender.test.")
            .add("client.sender.test. 300 IN A 127.0.0.1");
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .start();
        james.addUser("alice@postino.test", "alice-secret");
    }

    @AfterAll
    static void stop() {
        if (james != null) {
            james.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static byte[] message(String subject) {
        return ("From: Bob <bob@sender.test>\r\nTo: alice@postino.test\r\nSubject: " + subject
            + "\r\nMessage-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\n\r\nHello Alice.\r\n.leading dot\r\n")
            .getBytes(StandardCharsets.UTF_8);
    }

    private static String find(List<byte[]> messages, String subject) {
        return messages.stream().map(m -> new String(m, StandardCharsets.UTF_8))
            .filter(m -> m.contains("Subject: " + subject)).findFirst()
            .orElseThrow(() -> new AssertionError("no message with subject " + subject));
    }

    @Test
    void messageFromAConfirmedClientArrivesWithTheVerdict() throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.greeting().code()).isEqualTo(220);
            SmtpSession.Reply accepted = smtp.send("client.sender.test", "bob@sender.test",
                List.of("alice@postino.test"), message("confirmed client"));
            assertThat(accepted.code()).isEqualTo(250);
        }

        List<byte[]> inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret")
            .awaitMessages(1, Duration.ofSeconds(60));

        String delivered = find(inbox, "confirmed client");
        assertThat(delivered).contains("X-Postino-Iprev: pass").doesNotContain("X-Postino-Warning");
        assertThat(delivered).contains("Hello Alice.").contains("\r\n.leading dot");
        assertThat(dns.queries("1.0.0.127.in-addr.arpa", "PTR")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void messageFromAClientWithoutReverseNameIsTagged() throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), "127.0.0.2")) {
            smtp.send("unknown.sender.test", "bob@sender.test", List.of("alice@postino.test"), message("no ptr"));
        }

        List<byte[]> inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret")
            .awaitMessages(2, Duration.ofSeconds(60));

        assertThat(find(inbox, "no ptr")).contains("X-Postino-Iprev: permerror")
            .contains("X-Postino-Warning: client address has no forward-confirmed reverse DNS name");
    }

    @Test
    void unknownLocalRecipientIsRefusedDuringTheSession() throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            smtp.command("EHLO client.sender.test");
            smtp.command("MAIL FROM:<bob@sender.test>");
            SmtpSession.Reply reply = smtp.command("RCPT TO:<nobody@postino.test>");
            assertThat(reply.code()).isEqualTo(550);
        }
    }

    @Test
    void postinoIsLoadedFromExtensionsJarsNotFromTheTestClasspath() {
        assertThatThrownBy(() -> Class.forName("dev.postino.james.mailets.IprevCheck"))
            .isInstanceOf(ClassNotFoundException.class);
        assertThat(james.workingDirectory().resolve("extensions-jars/postino-extension.jar")).isRegularFile();
    }
}
