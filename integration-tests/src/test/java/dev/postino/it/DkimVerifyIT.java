package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * DKIM as conf-samples/mailetcontainer.xml runs it, in a real James: the RFC 8463 example message (an ed25519
 * and an rsa-sha256 signature) is verified on the bytes James received, and a changed copy fails.
 */
class DkimVerifyIT {

    private static TestDnsServer dns;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;
    private static byte[] signed;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        try (InputStream keys = DkimVerifyIT.class.getClassLoader().getResourceAsStream("dkim/rfc8463/dns.txt");
             InputStream message = DkimVerifyIT.class.getClassLoader().getResourceAsStream("dkim/rfc8463/message.crlf.eml")) {
            for (String line : new String(keys.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.contains("\t")) {
                    dns.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1).trim());
                }
            }
            signed = message.readAllBytes();
        }
        dns.inject("brisbane._domainkey.slow.example.com", "TXT", TestDnsServer.Fault.TIMEOUT);
        dns.inject("test._domainkey.slow.example.com", "TXT", TestDnsServer.Fault.TIMEOUT);
        james = JamesMemoryServer.builder().systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> xml
                // a short query timeout, so the timeout case takes a second, not the default 2 x 5 s
                .replace("<mailet match=\"All\" class=\"dev.postino.james.mailets.DkimVerify\"/>",
                    "<mailet match=\"All\" class=\"dev.postino.james.mailets.DkimVerify\"><dnsQueryTimeout>1s</dnsQueryTimeout></mailet>")
                // the per-signature verdicts, made visible to this test
                .replace("<simplemapping>postino.dkim.result; X-Postino-Dkim</simplemapping>",
                    "<simplemapping>postino.dkim.result; X-Postino-Dkim</simplemapping></mailet>"
                        + "<mailet match=\"All\" class=\"MailAttributesToMimeHeaders\">"
                        + "<simplemapping>postino.dkim.signatures; X-Test-Dkim-Signatures</simplemapping>"))
            .start();
        james.addDomain("football.example.com").addUser("jdoe@football.example.com", "jdoe-secret");
        inbox = new ImapMailbox(james.imapPort(), "jdoe@football.example.com", "jdoe-secret");
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

    private static String deliver(byte[] message, String marker) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            smtp.send("mail.football.example.com", "joe@football.example.com", List.of("jdoe@football.example.com"), message);
        }
        return inbox.awaitContaining(marker, Duration.ofSeconds(60));
    }

    @Test
    void theSignedExamplePasses() throws Exception {
        String delivered = deliver(signed, "Hi.");

        assertThat(delivered).contains("X-Postino-Dkim: pass");
        String signatures = delivered.replaceAll("\r\n[ \t]+", " ");
        assertThat(signatures).contains("\"result\":\"pass\",\"domain\":\"football.example.com\",\"selector\":\"brisbane\",\"algorithm\":\"ed25519-sha256\"")
            .contains("\"result\":\"pass\",\"domain\":\"football.example.com\",\"selector\":\"test\",\"algorithm\":\"rsa-sha256\"");
        assertThat(dns.queries("brisbane._domainkey.football.example.com", "TXT")).isEqualTo(1);
    }

    @Test
    void aChangedBodyFails() throws Exception {
        String changed = new String(signed, StandardCharsets.ISO_8859_1).replace("Hi.", "Hi, changed.");

        String delivered = deliver(changed.getBytes(StandardCharsets.ISO_8859_1), "Hi, changed.");

        assertThat(delivered).contains("X-Postino-Dkim: fail");
    }

    @Test
    void aKeyLookupThatTimesOutIsATemperrorAndTheMailIsDelivered() throws Exception {
        String slow = new String(signed, StandardCharsets.ISO_8859_1).replace("football.example.com", "slow.example.com")
            .replace("Hi.", "Hi, slowly.");

        String delivered = deliver(slow.getBytes(StandardCharsets.ISO_8859_1), "Hi, slowly.");

        assertThat(delivered).contains("X-Postino-Dkim: temperror");
        assertThat(dns.queries("brisbane._domainkey.slow.example.com", "TXT")).isGreaterThanOrEqualTo(1);
    }
}
