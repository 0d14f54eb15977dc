package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * SPF as conf-samples/mailetcontainer.xml enforces it, in a real James: pass is delivered with its
 * Received-SPF field, softfail is delivered with a warning, fail is quarantined in a repository and never
 * bounced, and mail from the trusted host itself is skipped.
 */
class SpfEnforcementIT {

    private static final String UNTRUSTED_CLIENT = "127.0.0.2";
    private static final MailRepositoryUrl QUARANTINE = MailRepositoryUrl.from("memory://var/mail/spf-fail/");
    private static final MailRepositoryUrl RELAY_DENIED = MailRepositoryUrl.from("memory://var/mail/relay-denied/");

    private static TestDnsServer dns;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:" + UNTRUSTED_CLIENT + " -all")
            .addTxt("soft.test", "v=spf1 ip4:192.0.2.1 ~all")
            .addTxt("fail.test", "v=spf1 ip4:192.0.2.1 -all");
        dns.inject("slow.test", "ANY", TestDnsServer.Fault.TIMEOUT);
        dns.inject("mx.slow.test", "ANY", TestDnsServer.Fault.TIMEOUT);
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            // a short query timeout so the timeout case below takes seconds, not the default 2 x 5 s
            // (the checks' trustedNetworks only: DkimSign, later in the file, has the same line and no DNS parameters)
            .editFile("mailetcontainer.xml", xml -> {
                int signer = xml.indexOf("dev.postino.james.mailets.DkimSign");
                String checks = signer < 0 ? xml : xml.substring(0, signer);
                return checks.replace("<trustedNetworks>127.0.0.1/32, ::1/128</trustedNetworks>",
                    "<trustedNetworks>127.0.0.1/32, ::1/128</trustedNetworks><dnsQueryTimeout>1s</dnsQueryTimeout>")
                    + (signer < 0 ? "" : xml.substring(signer));
            })
            .start();
        james.addUser("alice@postino.test", "alice-secret");
        inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret");
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

    private static void send(String clientAddress, String sender, String subject) throws Exception {
        byte[] message = ("From: <" + sender + ">\r\nTo: alice@postino.test\r\nSubject: " + subject + "\r\n\r\nbody\r\n")
            .getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), clientAddress)) {
            smtp.send("mx." + sender.substring(sender.indexOf('@') + 1), sender, List.of("alice@postino.test"), message);
        }
    }

    private static String delivered(String subject) throws Exception {
        return inbox.awaitSubject(subject, Duration.ofSeconds(60));
    }

    @Test
    void passIsDeliveredWithItsReceivedSpfField() throws Exception {
        send(UNTRUSTED_CLIENT, "bob@pass.test", "spf pass");

        String message = delivered("spf pass");

        assertThat(message).contains("Received-SPF: pass (").contains("client-ip=\"127.0.0.2\"")
            .contains("envelope-from=\"bob@pass.test\"").doesNotContain("X-Postino-Spf-Warning");
    }

    @Test
    void softfailIsDeliveredWithAWarning() throws Exception {
        send(UNTRUSTED_CLIENT, "bob@soft.test", "spf softfail");

        assertThat(delivered("spf softfail")).contains("Received-SPF: softfail (")
            .contains("X-Postino-Spf-Warning: the sender's domain says");
    }

    @Test
    void failIsQuarantinedAndNeverBounced() throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        send(UNTRUSTED_CLIENT, "forged@fail.test", "spf fail");

        assertThat(james.awaitRepositoryCount(QUARANTINE, 1)).isEqualTo(1);
        var key = repositories.listMailKeys(QUARANTINE).get(0);
        var quarantined = repositories.getMail(QUARANTINE, key);
        assertThat(quarantined.getAttribute(org.apache.mailet.AttributeName.of("postino.spf.result"))
            .map(a -> (Object) a.getValue().value())).contains((Object) "fail");
        assertThat(inbox.fetchAll()).noneMatch(m -> new String(m, StandardCharsets.UTF_8).contains("Subject: spf fail"));
        // A bounce to forged@fail.test would be a remote mail and end in relay-denied here.
        assertThat(repositories.getRepositoryMailCount(RELAY_DENIED)).isZero();
    }

    @Test
    void dnsTimeoutIsATemperrorAndTheMailIsDelivered() throws Exception {
        send(UNTRUSTED_CLIENT, "bob@slow.test", "spf timeout");

        assertThat(delivered("spf timeout")).contains("Received-SPF: temperror (")
            .contains("problem=\"").doesNotContain("X-Postino-Spf-Warning");
        assertThat(dns.queries("slow.test", "TXT")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theTrustedHostItselfIsSkipped() throws Exception {
        send("127.0.0.1", "forged@fail.test", "spf trusted");

        assertThat(delivered("spf trusted")).doesNotContain("Received-SPF");
    }
}
