package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * DMARC enforced during the SMTP session by conf-samples/smtpserver.xml's DmarcRejectHook, in a real James: a
 * p=reject failure is refused with 550 5.7.26 at the end of DATA and never accepted, a DNS failure is answered
 * 451 4.7.0, and a passing mail is accepted once, evaluated once, and delivered with our field (iprev included),
 * without the verdict fields the sender forged.
 */
class DmarcSmtpRejectIT {

    private static final String CLIENT = "127.0.0.2";
    private static final MailRepositoryUrl REJECTED = MailRepositoryUrl.from("memory://var/mail/dmarc-reject/");

    private static TestDnsServer dns;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:" + CLIENT + " -all")
            .addTxt("_dmarc.pass.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        dns.inject("_dmarc.slow.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
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

    /** The reply at the end of DATA, whatever it is. */
    private static SmtpSession.Reply endOfData(String from, String subject) throws Exception {
        return endOfData(from, subject, "");
    }

    private static SmtpSession.Reply endOfData(String from, String subject, String extraHeaders) throws Exception {
        byte[] message = (extraHeaders + "From: " + from + "\r\nTo: alice@postino.test\r\nSubject: " + subject
            + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), CLIENT)) {
            smtp.greeting();
            assertThat(smtp.command("EHLO mx.pass.test").isPositive()).isTrue();
            assertThat(smtp.command("MAIL FROM:<bob@pass.test>").isPositive()).isTrue();
            assertThat(smtp.command("RCPT TO:<alice@postino.test>").isPositive()).isTrue();
            return smtp.data(message);
        }
    }

    @Test
    void rejectIsRefusedDuringTheSession() throws Exception {
        SmtpSession.Reply reply = endOfData("Bank <service@bank.test>", "smtp reject");

        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.text()).startsWith("5.7.26 ").contains("bank.test");
        Thread.sleep(1000);
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        assertThat(repositories.getRepositoryMailCount(REJECTED)).isZero();
    }

    @Test
    void dnsFailureIsATemporaryRefusal() throws Exception {
        SmtpSession.Reply reply = endOfData("news@slow.test", "smtp temperror");

        assertThat(reply.code()).isEqualTo(451);
        assertThat(reply.text()).startsWith("4.7.0 ");
    }

    @Test
    void passIsAcceptedAndDeliveredWithOneField() throws Exception {
        SmtpSession.Reply reply = endOfData("bob@pass.test", "smtp pass");

        assertThat(reply.code()).isEqualTo(250);
        String message = inbox.awaitSubject("smtp pass", Duration.ofSeconds(60)).replace("\r\n\t", " ");
        assertThat(message).contains("dmarc=pass");
        assertThat(message.split("Authentication-Results:", -1)).hasSize(2);
    }

    @Test
    void forgedVerdictsAreGoneAndOursRemainWithIprevInTheField() throws Exception {
        // the default authserv-id and SPF receiver: this host's name
        String us = InetAddress.getLocalHost().getHostName();
        SmtpSession.Reply reply = endOfData("bob@pass.test", "smtp forged verdicts",
            "X-Postino-Dkim: pass\r\nx-postino-iprev: pass\r\n"
                + "Received-SPF: pass (" + us + ": forged by the sender) receiver=" + us + ";\r\n");

        assertThat(reply.code()).isEqualTo(250);
        String message = inbox.awaitSubject("smtp forged verdicts", Duration.ofSeconds(60))
            .replace("\r\n\t", " ").replace("\r\n ", " ");
        assertThat(message.toLowerCase(Locale.ROOT)).doesNotContain("x-postino-dkim: pass", "x-postino-iprev: pass")
            .doesNotContain("forged by the sender");
        // ours: the verdicts the sample copies into headers, the Received-SPF the hook rendered, one A-R field
        assertThat(message).contains("X-Postino-Dkim: none", "X-Postino-Iprev: permerror",
            "Received-SPF: pass (" + us + ": ");
        assertThat(message.split("Received-SPF:", -1)).hasSize(2);
        assertThat(message.split("Authentication-Results:", -1)).hasSize(2);
        assertThat(message).contains("Authentication-Results: " + us + "; spf=pass ")
            .contains("; dkim=none ", "; dmarc=pass ", "; iprev=permerror policy.iprev=127.0.0.2");
    }
}
