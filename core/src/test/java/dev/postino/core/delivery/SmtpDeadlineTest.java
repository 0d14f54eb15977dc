package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.delivery.AttemptOutcome.Result;
import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.delivery.testing.MxPeers;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.SmtpPhase;

/**
 * A server that sends one byte every 200 ms never lets a per-read timeout of 1 s expire; the client's deadlines
 * (per reply, per session) cut it off anyway. The only time bound asserted is a generous multiple of the deadline
 * under test, far below the 30 s the slow server would go on for.
 */
class SmtpDeadlineTest {

    private static final long DRIP_MILLIS = 200;

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
        smtp.dripMillis = DRIP_MILLIS;
    }

    @AfterEach
    void stop() throws Exception {
        peers.close();
    }

    private AttemptOutcome deliver(SmtpTimeouts timeouts) {
        SmtpDelivery delivery = new SmtpDelivery(dns, DeliveryOptions.defaults("postino.test").withPort(smtp.port())
            .withTimeouts(timeouts), Clock.systemUTC(), new Random(1));
        return delivery.deliver("example.test", OutboundMessage.of("a@postino.test", List.of("b@example.test"),
            "Subject: t\r\n\r\nt\r\n")).outcomes().get(0);
    }

    /** Waits, at most {@code bound}, for the server to notice that the client closed the connection. */
    private void awaitCloseSeenByServer(Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        while (smtp.closedByClient.get() == 0 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(smtp.closedByClient).as("sessions the client closed, seen by the server").hasValue(1);
    }

    @Test
    void aReplyThatNeverEndsIsCutAtTheCommandTimeoutWhateverItsPace() throws Exception {
        smtp.endlessGreeting = true;
        Duration commandTimeout = Duration.ofSeconds(1);
        long start = System.nanoTime();

        AttemptOutcome outcome = deliver(SmtpTimeouts.all(commandTimeout));

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.GREETING);
        assertThat(outcome.text()).isEqualTo("no complete reply within 1s");
        assertThat(took).isLessThan(commandTimeout.multipliedBy(10));
        awaitCloseSeenByServer(Duration.ofSeconds(5));
        assertThat(smtp.commands).isEmpty();
    }

    @Test
    void theSessionDeadlineCutsASessionWhoseRepliesEachCameInTime() throws Exception {
        // The greeting takes 1.4 s, within the command timeout; the EHLO reply would take 12 s but the session ends at 2 s.
        smtp.greeting = "220 x";
        Duration session = Duration.ofSeconds(2);
        SmtpTimeouts timeouts = new SmtpTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(20),
            Duration.ofSeconds(20)).withSession(session, 1_000_000);
        long start = System.nanoTime();

        AttemptOutcome outcome = deliver(timeouts);

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.EHLO);
        assertThat(outcome.text()).startsWith("session deadline passed (2s");
        assertThat(took).isLessThan(session.multipliedBy(10));
        awaitCloseSeenByServer(Duration.ofSeconds(5));
        assertThat(smtp.commands).containsExactly("EHLO postino.test");
    }

    @Test
    void theSessionDeadlineGrowsWithTheMessageAtTheMinimumRate() {
        SmtpTimeouts timeouts = SmtpTimeouts.DEFAULTS;

        assertThat(timeouts.sessionDeadline(0)).isEqualTo(Duration.ofMinutes(10));
        assertThat(timeouts.sessionDeadline(10_240_000)).isEqualTo(Duration.ofMinutes(10).plusSeconds(1000));
        assertThat(timeouts.withSession(Duration.ofMinutes(1), 1000).sessionDeadline(1500))
            .isEqualTo(Duration.ofMinutes(1).plusMillis(1500));
    }
}
