package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * DMARC as conf-samples/mailetcontainer.xml enforces it after acceptance (smtpserver.xml's DmarcRejectHook
 * removed: see DmarcSmtpRejectIT for it), in a real James: a passing mail is
 * delivered with one Authentication-Results field showing spf, dkim, dmarc and iprev (a forged one claiming our
 * authserv-id is gone, and so are a forged X-Postino-Dkim and Received-SPF), p=reject and p=quarantine failures land in their repositories, and nothing is ever
 * sent back to the forged sender.
 */
class DmarcEnforcementIT {

    private static final String CLIENT = "127.0.0.2";
    private static final MailRepositoryUrl REJECTED = MailRepositoryUrl.from("memory://var/mail/dmarc-reject/");
    private static final MailRepositoryUrl QUARANTINED = MailRepositoryUrl.from("memory://var/mail/dmarc-quarantine/");
    private static final MailRepositoryUrl RELAY_DENIED = MailRepositoryUrl.from("memory://var/mail/relay-denied/");

    private static TestDnsServer dns;
    private static JamesMemoryServer james;
    private static ImapMailbox inbox;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:" + CLIENT + " -all")
            .addTxt("_dmarc.pass.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.shop.test", "v=DMARC1; p=quarantine");
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("smtpserver.xml", xml -> xml.replaceAll(
                "(?s)<handler class=\"dev.postino.james.smtp.DmarcRejectHook\">.*?</handler>", ""))
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

    private static void send(String sender, String from, String subject, String extraHeaders) throws Exception {
        byte[] message = (extraHeaders + "From: " + from + "\r\nTo: alice@postino.test\r\nSubject: " + subject
            + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), CLIENT)) {
            smtp.send("mx.pass.test", sender, List.of("alice@postino.test"), message);
        }
    }

    @Test
    void passIsDeliveredWithOneOfOurFieldsAndTheForgedOnesAreGone() throws Exception {
        // the mailets' default authserv-id and SPF receiver: the local host name
        String authservId = InetAddress.getLocalHost().getHostName();
        send("bob@pass.test", "Bob <bob@pass.test>", "dmarc pass",
            "Authentication-Results: " + authservId + "; dkim=pass header.d=forged.test\r\n"
                + "X-Postino-Dkim: pass\r\nReceived-SPF: pass (" + authservId + ": forged.test says so)\r\n");

        String message = inbox.awaitSubject("dmarc pass", Duration.ofSeconds(60));

        String unfolded = message.replace("\r\n\t", " ").replace("\r\n ", " ");
        assertThat(unfolded).contains("Authentication-Results: " + authservId + "; spf=pass ")
            .contains("dkim=none", "dmarc=pass (p=reject dis=none", "header.from=pass.test")
            .contains("; iprev=permerror policy.iprev=127.0.0.2")
            .contains("X-Postino-Dkim: none", "Received-SPF: pass (" + authservId + ": ")
            .doesNotContain("forged.test", "X-Postino-Dkim: pass");
        assertThat(unfolded.split("Authentication-Results:", -1)).hasSize(2);
        assertThat(unfolded.split("Received-SPF:", -1)).hasSize(2);
    }

    @Test
    void rejectIsKeptInTheRejectionRepositoryAndNothingGoesToTheSender() throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        send("bob@pass.test", "Bank <service@bank.test>", "dmarc reject", "");

        assertThat(james.awaitRepositoryCount(REJECTED, 1)).isEqualTo(1);
        var kept = repositories.getMail(REJECTED, repositories.listMailKeys(REJECTED).get(0));
        assertThat(kept.getAttribute(AttributeName.of("postino.dmarc.result")).map(a -> (Object) a.getValue().value()))
            .contains((Object) "fail");
        assertThat(inbox.fetchAll()).noneMatch(m -> new String(m, StandardCharsets.UTF_8).contains("Subject: dmarc reject"));
        // a bounce to bob@pass.test would be remote mail and end in relay-denied here
        assertThat(repositories.getRepositoryMailCount(RELAY_DENIED)).isZero();
    }

    @Test
    void quarantineLandsInTheQuarantineRepository() throws Exception {
        send("bob@pass.test", "news@shop.test", "dmarc quarantine", "");

        assertThat(james.awaitRepositoryCount(QUARANTINED, 1)).isEqualTo(1);
    }
}
