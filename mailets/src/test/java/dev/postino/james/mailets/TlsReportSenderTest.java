package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsResult;
import dev.postino.core.mtasts.MtaStsSettings;
import dev.postino.core.mtasts.StsPolicyLookup;
import dev.postino.core.tlsrpt.InMemoryTlsReportStore;
import dev.postino.core.tlsrpt.TlsPolicyKey;
import dev.postino.core.tlsrpt.TlsReportStore;
import dev.postino.core.tlsrpt.TlsResultType;

/**
 * When a TLS report reaches none of its destinations it is tried again at a later look, for up to a day after the
 * day it covers (RFC 8460 section 5.4); a report one destination took is not sent again.
 */
class TlsReportSenderTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 30);
    private static final String DOMAIN = "example.com";

    private final InMemoryTlsReportStore store = new InMemoryTlsReportStore();
    private final FakeMailContext context = FakeMailContext.defaultContext();
    private final AtomicReference<DnsResult<String>> txt = new AtomicReference<>();

    @Test
    void aReportNoDestinationTookIsTriedAgainAtTheNextLook() throws Exception {
        txt.set(DnsResult.records(List.of("v=TLSRPTv1; rua=https://127.0.0.1:" + closedPort() + "/tlsrpt"), Duration.ofMinutes(5)));
        count();

        assertThat(sender(DAY.plusDays(1).atTime(1, 0)).sendDue()).isOne();
        assertThat(store.unreported(DAY.plusDays(1), 10)).as("given back").containsExactly(new TlsReportStore.DayDomain(DAY, DOMAIN));
        assertThat(sender(DAY.plusDays(1).atTime(2, 0)).sendDue()).as("claimed again").isOne();
    }

    @Test
    void aFailedLookupOfTheRecordIsTriedAgainToo() {
        txt.set(DnsResult.temporaryFailure("SERVFAIL"));
        count();

        sender(DAY.plusDays(1).atTime(1, 0)).sendDue();

        assertThat(store.unreported(DAY.plusDays(1), 10)).containsExactly(new TlsReportStore.DayDomain(DAY, DOMAIN));
    }

    @Test
    void aDayAfterTheDaysEndItIsGivenUp() throws Exception {
        txt.set(DnsResult.records(List.of("v=TLSRPTv1; rua=https://127.0.0.1:" + closedPort() + "/tlsrpt"), Duration.ofMinutes(5)));
        count();

        sender(DAY.plusDays(2).atTime(0, 30)).sendDue();

        assertThat(store.unreported(DAY.plusDays(1), 10)).isEmpty();
    }

    @Test
    void aReportOneDestinationTookIsNotSentAgain() throws Exception {
        txt.set(DnsResult.records(List.of("v=TLSRPTv1; rua=mailto:tls@example.com,https://127.0.0.1:" + closedPort() + "/x"),
            Duration.ofMinutes(5)));
        count();

        sender(DAY.plusDays(1).atTime(1, 0)).sendDue();

        assertThat(context.getSentMails()).hasSize(1);
        assertThat(store.unreported(DAY.plusDays(1), 10)).isEmpty();
    }

    @Test
    void aDomainWithoutARecordIsSkippedForGood() {
        txt.set(DnsResult.nxdomain(Duration.ofMinutes(5)));
        count();

        sender(DAY.plusDays(1).atTime(1, 0)).sendDue();

        assertThat(store.unreported(DAY.plusDays(1), 10)).isEmpty();
        assertThat(context.getSentMails()).isEmpty();
    }

    private void count() {
        store.count(DAY, TlsPolicyKey.noPolicy(DOMAIN), TlsResultType.STARTTLS_NOT_SUPPORTED, "mx.example.com", "192.0.2.1");
    }

    private TlsReportSender sender(java.time.LocalDateTime at) {
        Instant now = at.toInstant(ZoneOffset.UTC);
        MtaStsParameters parameters = new MtaStsParameters(new MtaStsSettings(MtaStsSettings.Level.ENFORCE, List.of()),
            Duration.ofSeconds(5), null, null, false, true, "Postino test", "postmaster@mx.example.org",
            Duration.ofHours(1), "relay");
        StsPolicyLookup.TxtLookup lookup = name -> txt.get();
        return new TlsReportSender(store, lookup, context, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
            parameters, "mx.example.org", Clock.fixed(now, ZoneOffset.UTC));
    }

    /** A loopback port nothing listens on: the POST is refused at once. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
