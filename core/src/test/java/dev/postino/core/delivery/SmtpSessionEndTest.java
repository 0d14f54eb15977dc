package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.delivery.AttemptOutcome.Result;
import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/** How a session ends: with QUIT whenever the server can still read it (RFC 5321 section 4.1.1.10), else just closed. */
class SmtpSessionEndTest {

    private LocalSmtpServer smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = LocalSmtpServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
    }

    private HostAttemptView deliver(DeliveryOptions options, String... recipients) throws Exception {
        SmtpClient client = new SmtpClient(options, Clock.systemUTC());
        SmtpClient.RemoteHost host = new SmtpClient.RemoteHost("mx.example.test", InetAddress.getByName("127.0.0.1"),
            smtp.port());
        OutboundMessage message = OutboundMessage.of("alice@postino.test", List.of(recipients),
            "Subject: hi\r\n\r\nbody\r\n");
        return new HostAttemptView(client.deliver(host, message, options.tlsRequiredFor("example.test"), null));
    }

    private HostAttemptView deliver(String... recipients) throws Exception {
        return deliver(options(), recipients);
    }

    private static DeliveryOptions options() {
        return DeliveryOptions.defaults("postino.test").withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(5)));
    }

    private record HostAttemptView(SmtpClient.HostAttempt attempt) {
        AttemptOutcome first() {
            return attempt.outcomes().get(0);
        }
    }

    @Test
    void aMessageOverTheAnnouncedSizeEndsWithQuitAndNoMail() throws Exception {
        smtp.extensions = List.of("SIZE 10");

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.3.4"));
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "QUIT");
        assertThat(smtp.closedByClient).hasValue(0);
    }

    @Test
    void a552AtTheEndOfDataEndsWithQuit() throws Exception {
        smtp.dataReply = "552 5.3.4 message too big for this mailbox";

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.result()).isEqualTo(Result.PERMANENT);
        assertThat(outcome.diagnostic()).isEqualTo("552 5.3.4 message too big for this mailbox");
        assertThat(smtp.commands).endsWith("DATA", "QUIT");
    }

    @Test
    void aRefusedGreetingEndsWithQuit() throws Exception {
        smtp.greeting = "554 5.7.1 no service for you";

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.phase()).isEqualTo(SmtpPhase.GREETING);
        assertThat(smtp.commands).containsExactly("QUIT");
    }

    @Test
    void refusedEhloAndHeloEndWithQuit() throws Exception {
        smtp.ehloReply = "500 5.5.1 what?";
        smtp.heloReply = "550 5.7.1 not you";

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.phase()).isEqualTo(SmtpPhase.EHLO);
        assertThat(outcome.diagnostic()).isEqualTo("550 5.7.1 not you");
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "HELO postino.test", "QUIT");
    }

    @Test
    void aRefusedSenderEndsWithQuit() throws Exception {
        smtp.mailReply = "550 5.7.1 sender not welcome";

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.diagnostic()).isEqualTo("550 5.7.1 sender not welcome");
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "MAIL FROM:<alice@postino.test> SIZE=21", "QUIT");
    }

    @Test
    void aRefusedPipelinedSenderHasEveryReplyReadBeforeQuit() throws Exception {
        smtp.extensions = List.of("PIPELINING");
        smtp.mailReply = "451 4.3.0 try later";

        List<AttemptOutcome> outcomes = deliver("bob@example.test", "carol@example.test").attempt().outcomes();

        assertThat(outcomes).extracting(AttemptOutcome::diagnostic).containsOnly("451 4.3.0 try later");
        assertThat(outcomes).extracting(AttemptOutcome::phase).containsOnly(SmtpPhase.MAIL);
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "MAIL FROM:<alice@postino.test>",
            "RCPT TO:<bob@example.test>", "RCPT TO:<carol@example.test>", "DATA", "QUIT");
        assertThat(smtp.data).isEmpty();
    }

    @Test
    void everyRecipientRefusedEndsWithQuitAndNoData() throws Exception {
        smtp.onRcpt("gone@example.test", "550 5.1.1 no such user");

        deliver("gone@example.test");

        assertThat(smtp.commands).containsExactly("EHLO postino.test", "MAIL FROM:<alice@postino.test> SIZE=21",
            "RCPT TO:<gone@example.test>", "QUIT");
    }

    @Test
    void requiredTlsNotOfferedEndsWithQuit() throws Exception {
        DeliveryOptions options = options().withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = deliver(options, "bob@example.test").first();

        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.4"));
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "QUIT");
    }

    @Test
    void aNonAsciiAddressWithoutSmtpUtf8EndsWithQuit() throws Exception {
        smtp.extensions = List.of("8BITMIME");

        AttemptOutcome outcome = deliver("jos\u00e9@example.test").first();

        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("5.6.7"));
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "QUIT");
    }

    @Test
    void aSessionLostAfterTheMessageIsClosedWithoutQuit() throws Exception {
        smtp.hangUpAfterData = true;

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(smtp.commands).doesNotContain("QUIT");
    }

    @Test
    void aMalformedReplyClosesWithoutQuit() throws Exception {
        smtp.greeting = "hello, I am not SMTP";

        AttemptOutcome outcome = deliver("bob@example.test").first();

        assertThat(outcome.text()).startsWith("malformed reply");
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void dsnParametersAreUnchangedByTheRefusalCheck() throws Exception {
        SmtpClient client = new SmtpClient(options(), Clock.systemUTC());
        OutboundMessage message = new OutboundMessage("alice@postino.test",
            List.of(new OutboundMessage.Recipient("bob@example.test", Set.of("FAILURE"), "rfc822;b=b+b@example.test")),
            "a b+c=d", "HDRS", "x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        client.deliver(new SmtpClient.RemoteHost("mx.example.test", InetAddress.getByName("127.0.0.1"), smtp.port()),
            message, false, null);

        assertThat(smtp.commands).contains("MAIL FROM:<alice@postino.test> SIZE=3 RET=HDRS ENVID=a+20b+2Bc+3Dd",
            "RCPT TO:<bob@example.test> NOTIFY=FAILURE ORCPT=rfc822;b+3Db+2Bb@example.test");
    }
}
