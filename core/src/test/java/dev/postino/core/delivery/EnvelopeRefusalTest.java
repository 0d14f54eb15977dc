package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
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
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/** Envelope values with control characters are refused before any command, never written into one. */
class EnvelopeRefusalTest {

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

    private SmtpDelivery.DomainAttempt deliver(String domain, OutboundMessage message) {
        return new SmtpDelivery(dns, DeliveryOptions.defaults("postino.test").withPort(smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))), Clock.systemUTC(), new Random(1)).deliver(domain, message);
    }

    private static OutboundMessage message(String sender, String envelopeId, OutboundMessage.Recipient... recipients) {
        return new OutboundMessage(sender, List.of(recipients), envelopeId, null,
            "Subject: s\r\n\r\nb\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static OutboundMessage.Recipient to(String address) {
        return OutboundMessage.Recipient.of(address);
    }

    private void assertNoCommandHoldsAControl() {
        assertThat(smtp.commands).allMatch(c -> !SmtpClient.hasControl(c), "free of control characters");
    }

    @Test
    void aSenderWithALineBreakFailsEveryRecipientWithoutDnsOrConnection() {
        // nowhere.test has no DNS data: had it been looked up, the outcome would be 5.1.2.
        OutboundMessage message = message("a@postino.test>\r\nRCPT TO:<victim@elsewhere.test", null,
            to("bob@nowhere.test"), to("carol@nowhere.test"));

        List<AttemptOutcome> outcomes = deliver("nowhere.test", message).outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::result).containsOnly(Result.PERMANENT);
        assertThat(outcomes).extracting(AttemptOutcome::status).containsOnly(EnhancedStatusCode.parse("5.1.7"));
        assertThat(outcomes).extracting(AttemptOutcome::recipient).containsExactly("bob@nowhere.test", "carol@nowhere.test");
        assertThat(outcomes.get(0).phase()).isEqualTo(SmtpPhase.MAIL);
        assertThat(outcomes.get(0).text()).isEqualTo("the sender address holds a control character (U+000D U+000A);"
            + " nothing was sent");
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void aRecipientWithAControlIsRefusedAloneAndTheOthersAreDelivered() {
        OutboundMessage message = message("a@postino.test", null, to("bob@example.test"), to("eve\n@example.test"),
            to("nul\u0000@example.test"), to("nel\u0085@example.test"), to("tab\t@example.test"), to("carol@example.test"));

        List<AttemptOutcome> outcomes = deliver("example.test", message).outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::result).containsExactly(Result.DELIVERED, Result.PERMANENT,
            Result.PERMANENT, Result.PERMANENT, Result.PERMANENT, Result.DELIVERED);
        assertThat(outcomes.subList(1, 5)).extracting(AttemptOutcome::status).containsOnly(EnhancedStatusCode.parse("5.1.3"));
        assertThat(outcomes.get(1).text()).isEqualTo("the recipient address holds a control character (U+000A); it was not sent");
        assertThat(outcomes.get(1).recipient()).isEqualTo("eve\n@example.test");
        assertThat(outcomes.get(1).phase()).isEqualTo(SmtpPhase.RCPT);
        assertThat(smtp.commands).filteredOn(c -> c.startsWith("RCPT"))
            .containsExactly("RCPT TO:<bob@example.test>", "RCPT TO:<carol@example.test>");
        assertNoCommandHoldsAControl();
    }

    @Test
    void everyRecipientRefusedMeansNoConnection() {
        OutboundMessage message = message("a@postino.test", null, to("x\r@example.test"));

        AttemptOutcome outcome = deliver("example.test", message).outcomes().get(0);

        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.1.3"));
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void anOrcptWithAControlRefusesItsRecipient() {
        OutboundMessage message = message("a@postino.test", null,
            new OutboundMessage.Recipient("bob@example.test", Set.of("FAILURE"), "rfc822;bob\u0000@example.test"),
            new OutboundMessage.Recipient("carol@example.test", Set.of(), "x\ny;carol@example.test"),
            new OutboundMessage.Recipient("dave@example.test", Set.of(), "rfc822;dave@example.test"));

        List<AttemptOutcome> outcomes = deliver("example.test", message).outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::result)
            .containsExactly(Result.PERMANENT, Result.PERMANENT, Result.DELIVERED);
        assertThat(outcomes.get(0).status()).isEqualTo(EnhancedStatusCode.parse("5.1.3"));
        assertThat(outcomes.get(0).text()).isEqualTo("its original recipient (ORCPT) holds a control character (U+0000);"
            + " it was not sent");
        assertThat(smtp.commands).contains("RCPT TO:<dave@example.test> ORCPT=rfc822;dave@example.test");
        assertThat(smtp.commands).noneMatch(c -> c.contains("bob") || c.contains("carol"));
        assertNoCommandHoldsAControl();
    }

    @Test
    void anOrcptWithABadAddressTypeRefusesItsRecipient() {
        OutboundMessage message = message("a@postino.test", null,
            new OutboundMessage.Recipient("bob@example.test", Set.of(), "rfc 822;bob@example.test"));

        AttemptOutcome outcome = deliver("example.test", message).outcomes().get(0);

        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.1.3"));
        assertThat(outcome.text()).isEqualTo("its original recipient (ORCPT) has no valid address type; it was not sent");
    }

    @Test
    void anEnvelopeIdWithAControlFailsTheMessage() {
        OutboundMessage message = message("a@postino.test", "id\r\nQUIT", to("bob@example.test"));

        AttemptOutcome outcome = deliver("example.test", message).outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.5.4"));
        assertThat(outcome.text()).isEqualTo("the envelope ID (ENVID) holds a control character (U+000D U+000A); nothing was sent");
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void theClientRefusesToo() throws Exception {
        // Called directly, without SmtpDelivery's check in front.
        SmtpClient client = new SmtpClient(DeliveryOptions.defaults("postino.test")
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5))), Clock.systemUTC());
        SmtpClient.RemoteHost host = new SmtpClient.RemoteHost("mx.example.test", InetAddress.getByName("127.0.0.1"),
            smtp.port());

        SmtpClient.HostAttempt attempt = client.deliver(host, message("a@postino.test", null, to("ok@example.test"),
            to("bad\r\n@example.test")), false, null);

        assertThat(attempt.outcomes()).extracting(AttemptOutcome::result).containsExactly(Result.DELIVERED, Result.PERMANENT);
        assertThat(smtp.commands).filteredOn(c -> c.startsWith("RCPT")).containsExactly("RCPT TO:<ok@example.test>");
        assertNoCommandHoldsAControl();
    }
}
