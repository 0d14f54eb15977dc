package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.delivery.AttemptOutcome.Result;
import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.delivery.testing.MxPeers;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

class SmtpDeliveryTest {

    private TestDnsServer dnsServer;
    private DnsClient dns;
    private LocalSmtpServer smtp;
    private MxPeers peers;

    @BeforeEach
    void start() throws Exception {
        peers = MxPeers.start();
        dnsServer = peers.dnsServer;
        dns = peers.dns;
        smtp = peers.smtp;
    }

    @AfterEach
    void stop() throws Exception {
        peers.close();
    }

    private SmtpDelivery delivery(DeliveryOptions options) {
        return new SmtpDelivery(dns, options, Clock.systemUTC(), new Random(7));
    }

    private SmtpDelivery delivery() {
        return delivery(DeliveryOptions.defaults("postino.test").withPort(smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))));
    }

    private static OutboundMessage message(String... recipients) {
        return OutboundMessage.of("alice@postino.test", List.of(recipients), "Subject: hi\r\n\r\n.hidden\r\nbody\r\n");
    }

    @Test
    void deliversAndReportsTheHostAndTheReply() {
        SmtpDelivery.DomainAttempt attempt = delivery().deliver("example.test", message("bob@example.test"));

        AttemptOutcome outcome = attempt.outcomes().get(0);
        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.END_OF_DATA);
        assertThat(outcome.code()).isEqualTo(250);
        assertThat(outcome.enhancedCode()).isEqualTo(EnhancedStatusCode.parse("2.0.0"));
        assertThat(outcome.remoteHost()).isEqualTo("mx.example.test [127.0.0.1]:" + smtp.port());
        assertThat(attempt.dsnOffered()).isTrue();
        assertThat(smtp.commands).contains("EHLO postino.test", "MAIL FROM:<alice@postino.test> SIZE=30",
            "RCPT TO:<bob@example.test>");
        // Dot-stuffed on the wire: the server sees the doubled dot before it removes it.
        assertThat(smtp.data).containsExactly("Subject: hi\r\n\r\n..hidden\r\nbody\r\n");
    }

    @Test
    void eachRecipientGetsItsOwnReplyAndOnlyTheAcceptedAreSent() {
        smtp.onRcpt("gone@example.test", "550 5.1.1 No such user here");
        smtp.onRcpt("full@example.test", "452 4.2.2 Mailbox full");

        List<AttemptOutcome> outcomes = delivery().deliver("example.test",
            message("gone@example.test", "bob@example.test", "full@example.test")).outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::result)
            .containsExactly(Result.PERMANENT, Result.DELIVERED, Result.TEMPORARY);
        assertThat(outcomes.get(0).diagnostic()).isEqualTo("550 5.1.1 No such user here");
        assertThat(outcomes.get(0).phase()).isEqualTo(SmtpPhase.RCPT);
        assertThat(outcomes.get(2).asFailure().reply().code()).isEqualTo(452);
        assertThat(smtp.data).hasSize(1);
    }

    @Test
    void forwardsDsnParametersWhenTheServerOffersDsn() {
        OutboundMessage message = new OutboundMessage("alice@postino.test",
            List.of(new OutboundMessage.Recipient("bob@example.test", Set.of("SUCCESS", "FAILURE"), "rfc822;Bob+x@example.test")),
            "id 42", "HDRS", "Subject: x\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        delivery().deliver("example.test", message);

        assertThat(smtp.commands).anyMatch(c -> c.startsWith("MAIL FROM:<alice@postino.test>") && c.contains(" RET=HDRS")
            && c.contains(" ENVID=id+2042"));
        assertThat(smtp.commands).contains("RCPT TO:<bob@example.test> NOTIFY=FAILURE,SUCCESS ORCPT=rfc822;Bob+2Bx@example.test");
    }

    @Test
    void withoutDsnOnTheServerNoDsnParameterIsSent() {
        smtp.extensions = List.of("8BITMIME");
        OutboundMessage message = new OutboundMessage("alice@postino.test",
            List.of(new OutboundMessage.Recipient("bob@example.test", Set.of("DELAY"), "rfc822;bob@example.test")),
            "id", "FULL", "x\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        SmtpDelivery.DomainAttempt attempt = delivery().deliver("example.test", message);

        assertThat(attempt.dsnOffered()).isFalse();
        assertThat(smtp.commands).contains("MAIL FROM:<alice@postino.test>", "RCPT TO:<bob@example.test>");
    }

    @Test
    void nullMxFailsPermanentlyAtOnceWithoutConnecting() {
        dnsServer.add("nomail.test. 300 IN MX 0 .");

        AttemptOutcome outcome = delivery().deliver("nomail.test", message("bob@nomail.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.1.10"));
        assertThat(outcome.recipient()).isEqualTo("bob@nomail.test");
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void withoutMxTheDomainItselfIsTheHost() {
        dnsServer.add("implicit.test. 300 IN A 127.0.0.1");

        AttemptOutcome outcome = delivery().deliver("implicit.test", message("bob@implicit.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
        assertThat(outcome.remoteHost()).startsWith("implicit.test [127.0.0.1]");
    }

    @Test
    void aDomainThatDoesNotExistFailsPermanently() {
        AttemptOutcome outcome = delivery().deliver("nowhere.test", message("bob@nowhere.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.1.2"));
    }

    @Test
    void dnsDownIsATemporaryFailureOfClassDns() {
        dnsServer.inject("slow.test", "MX", TestDnsServer.Fault.SERVFAIL);

        AttemptOutcome outcome = delivery().deliver("slow.test", message("bob@slow.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.DNS);
        assertThat(outcome.asFailure().failureClass()).isEqualTo(FailureClass.DNS);
    }

    @Test
    void aHostThatRefusesConnectionsPassesToTheNextMx() {
        // Nothing listens on 127.0.0.2 at the server's port: the preferred host refuses.
        dnsServer.add("two.test. 300 IN MX 5 down.two.test.").add("down.two.test. 300 IN A 127.0.0.2")
            .add("two.test. 300 IN MX 10 up.two.test.").add("up.two.test. 300 IN A 127.0.0.1");

        AttemptOutcome outcome = delivery().deliver("two.test", message("bob@two.test")).outcomes().get(0);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(outcome.remoteHost()).startsWith("up.two.test");
    }

    @Test
    void whenEveryHostFailsTheLastFailureIsTheOutcome() throws Exception {
        int closedPort = smtp.port();
        smtp.close();

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.REFUSED);
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.CONNECT);
        assertThat(outcome.remoteHost()).endsWith(":" + closedPort);
    }

    @Test
    void aLostConnectionAfterTheMessageIsATemporaryFailure() {
        smtp.hangUpAfterData = true;

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.LOST_CONNECTION);
        assertThat(smtp.data).hasSize(1);
    }

    @Test
    void aTemporaryGreetingIsATemporaryFailureWithTheReply() {
        smtp.greeting = "421 4.3.2 busy, come back later";

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.GREETING);
        assertThat(outcome.diagnostic()).isEqualTo("421 4.3.2 busy, come back later");
    }

    @Test
    void helloIsTheFallbackWhenEhloIsRefused() {
        smtp.ehloReply = "500 5.5.1 what?";

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).contains("HELO postino.test", "MAIL FROM:<alice@postino.test>");
    }

    @Test
    void requiredTlsThatIsNotOfferedIsATemporaryTlsFailure() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))).withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = delivery(options).deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.4"));
        assertThat(outcome.text()).isEqualTo("TLS is required for this domain and mx.example.test does not offer STARTTLS");
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void requiredTlsRefusesAStartTlsAnsweredWith250AndSendsNoMail() {
        smtp.startTlsReply = "250 2.0.0 sure, go on";
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))).withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = delivery(options).deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.4"));
        assertThat(outcome.text()).isEqualTo("STARTTLS refused: 250 2.0.0 sure, go on");
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.STARTTLS);
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "STARTTLS", "QUIT");
        assertThat(smtp.data).isEmpty();
    }

    @Test
    void opportunisticTlsGoesOnInTheClearWhenStartTlsIsRefused() {
        smtp.startTlsReply = "454 4.7.0 TLS not available now";

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).containsSubsequence("STARTTLS", "MAIL FROM:<alice@postino.test> SIZE=30");
    }

    @Test
    void aSmarthostWithCredentialsIsNotDowngradedByA250ToStartTls() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        smtp.startTlsReply = "250 ok";
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5)))
            .withSmarthost(Smarthost.parse("127.0.0.1:" + smtp.port()).withCredentials("u", "p", false));

        AttemptOutcome outcome = delivery(options).deliver("x.test", message("bob@x.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.text()).isEqualTo("STARTTLS refused: 250 ok");
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "STARTTLS", "QUIT");
    }

    @Test
    void aMessageOverTheServersSizeLimitFailsPermanentlyWithoutBeingSent() {
        smtp.extensions = List.of("SIZE 10");

        AttemptOutcome outcome = delivery().deliver("example.test", message("bob@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.3.4"));
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void aSmarthostTakesTheMailWhateverTheMxSays() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test")
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))).withSmarthost(Smarthost.parse("127.0.0.1:" + smtp.port()));
        dnsServer.add("nomail2.test. 300 IN MX 0 .");

        AttemptOutcome outcome = delivery(options).deliver("nomail2.test", message("bob@nomail2.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.DELIVERED);
    }

    @Test
    void authWithoutTlsIsRefusedUnlessAllowed() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        Smarthost relay = Smarthost.parse("127.0.0.1:" + smtp.port());
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5)));

        AttemptOutcome refused = delivery(options.withSmarthost(relay.withCredentials("u", "p", false)))
            .deliver("x.test", message("bob@x.test")).outcomes().get(0);
        assertThat(refused.result()).isEqualTo(Result.TEMPORARY);
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("AUTH"));

        delivery(options.withSmarthost(relay.withCredentials("u", "p", true))).deliver("x.test", message("bob@x.test"));
        assertThat(smtp.commands).contains("AUTH PLAIN AHUAcA==");
    }

    @Test
    void withPipeliningTheCommandsGoInOneBatchAndEachReplyStillCounts() {
        smtp.extensions = List.of("PIPELINING", "DSN");
        smtp.onRcpt("gone@example.test", "550 5.1.1 No such user here");

        List<AttemptOutcome> outcomes = delivery().deliver("example.test",
            message("gone@example.test", "bob@example.test")).outcomes();

        assertThat(smtp.pipelinedBatches).hasValue(1);
        assertThat(outcomes).extracting(AttemptOutcome::result).containsExactly(Result.PERMANENT, Result.DELIVERED);
        assertThat(smtp.data).hasSize(1);
    }

    @Test
    void withPipeliningAndEveryRecipientRefusedNothingIsSent() {
        smtp.extensions = List.of("PIPELINING");
        smtp.onRcpt("gone@example.test", "550 5.1.1 No such user here");

        List<AttemptOutcome> outcomes = delivery().deliver("example.test", message("gone@example.test")).outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::diagnostic).containsExactly("550 5.1.1 No such user here");
        assertThat(smtp.data).isEmpty();
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "MAIL FROM:<alice@postino.test>",
            "RCPT TO:<gone@example.test>", "DATA", "QUIT");
    }

    @Test
    void eightBitContentIsDeclaredAndNonAsciiAddressesNeedSmtpUtf8() {
        OutboundMessage message = OutboundMessage.of("alice@postino.test", List.of("josé@example.test"),
            "Subject: café\r\n\r\nbody\r\n");

        AttemptOutcome delivered = delivery().deliver("example.test", message).outcomes().get(0);

        assertThat(delivered.result()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).anyMatch(c -> c.startsWith("MAIL FROM:<alice@postino.test>") && c.contains(" BODY=8BITMIME")
            && c.contains(" SMTPUTF8"));

        smtp.extensions = List.of("8BITMIME");
        AttemptOutcome refused = delivery().deliver("example.test", message).outcomes().get(0);

        assertThat(refused.result()).isEqualTo(Result.PERMANENT);
        assertThat(refused.status()).isEqualTo(EnhancedStatusCode.parse("5.6.7"));
    }

    @Test
    void aStray3xxReplyToRcptIsATemporaryFailureNeverADelivery() {
        smtp.onRcpt("odd@example.test", "354 what?");

        AttemptOutcome outcome = delivery().deliver("example.test", message("odd@example.test")).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.code()).isEqualTo(451);
        assertThat(outcome.text()).contains("354 what?");
        assertThat(smtp.data).isEmpty();
    }
}
