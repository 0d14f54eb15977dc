package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.DeliveryOptions;
import dev.postino.core.delivery.OutboundMessage;
import dev.postino.core.delivery.SmtpDelivery;
import dev.postino.core.delivery.SmtpTimeouts;
import dev.postino.core.delivery.testing.MxPeers;
import dev.postino.core.mtasts.testing.TestCa;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.tlsrpt.InMemoryTlsReportStore;
import dev.postino.core.tlsrpt.TlsPolicyKey;
import dev.postino.core.tlsrpt.TlsResultType;
import dev.postino.core.tlsrpt.TlsSessionCount;

/**
 * MTA-STS in delivery (RFC 8461 section 5) against a local SMTP server whose certificate a test CA issued for
 * mx.example.test, found through the test DNS server, with the policy handed over by a stub fetcher.
 */
class MtaStsDeliveryTest {

    private static TestCa ca;
    private MxPeers peers;
    private InMemoryTlsReportStore reports;
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String policy;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestCa.create("Postino delivery test CA");
    }

    @BeforeEach
    void start() throws Exception {
        peers = MxPeers.start();
        peers.dnsServer.add("_mta-sts.example.test. 300 IN TXT \"v=STSv1; id=p1\"");
        peers.smtp.tls = ca.serverContext("mx.example.test");
        reports = new InMemoryTlsReportStore();
        policy = "version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 86400\n";
    }

    @AfterEach
    void stop() throws Exception {
        peers.close();
    }

    private AttemptOutcome deliver(MtaStsSettings settings) throws Exception {
        StsPolicyLookup lookup = new StsPolicyLookup(StsPolicyLookup.TxtLookup.of(peers.dns, Duration.ofSeconds(5)),
            domain -> {
                fetches.incrementAndGet();
                try {
                    return new StsPolicyFetcher.Fetched(StsPolicy.parse(policy));
                } catch (InvalidStsPolicyException e) {
                    return new StsPolicyFetcher.Failed(TlsResultType.STS_POLICY_INVALID, e.getMessage());
                }
            }, new InMemoryStsPolicyCache(10), Clock.systemUTC());
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(peers.smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(10))).withVerifiedTls(ca.clientContext());
        SmtpDelivery delivery = new SmtpDelivery(peers.dns, options, Clock.systemUTC(), new Random(1),
            new MtaStsSecurity(lookup, settings, reports, Clock.systemUTC()));
        return delivery.deliver("example.test", OutboundMessage.of("a@postino.test", List.of("b@example.test"),
            "Subject: t\r\n\r\nt\r\n")).outcomes().get(0);
    }

    private List<TlsSessionCount> counts() {
        return reports.counts(LocalDate.now(ZoneOffset.UTC), "example.test");
    }

    private long count(String policyType, TlsResultType failure) {
        return counts().stream().filter(c -> c.policy().type().equals(policyType) && c.failure() == failure)
            .mapToLong(TlsSessionCount::count).sum();
    }

    @Test
    void enforceWithAMatchingMxAndAValidCertificateDeliversOverTls() throws Exception {
        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(AttemptOutcome.Result.DELIVERED);
        assertThat(peers.smtp.tlsSessions).hasValue(1);
        assertThat(count(TlsPolicyKey.STS, null)).isEqualTo(1);
        assertThat(counts()).singleElement().satisfies(c -> assertThat(c.policy().mxHosts()).containsExactly("*.example.test"));
    }

    @Test
    void enforceRefusesAnMxHostThePolicyDoesNotName() throws Exception {
        policy = policy.replace("*.example.test", "mx.elsewhere.test");

        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).isEqualTo(AttemptOutcome.Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.5"));
        assertThat(outcome.text()).isEqualTo("MTA-STS policy of example.test (id p1, enforce): mx.example.test is not "
            + "among its MX hosts (mx.elsewhere.test)");
        assertThat(peers.smtp.commands).isEmpty();
        assertThat(count(TlsPolicyKey.STS, TlsResultType.VALIDATION_FAILURE)).isEqualTo(1);
    }

    @Test
    void enforceRefusesAStrippedStartTls() throws Exception {
        peers.smtp.tls = null;

        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).isEqualTo(AttemptOutcome.Result.TEMPORARY);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.4"));
        assertThat(outcome.text()).startsWith("MTA-STS policy of example.test (id p1, enforce): TLS is required")
            .contains("does not offer STARTTLS");
        assertThat(peers.smtp.commands).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(count(TlsPolicyKey.STS, TlsResultType.STARTTLS_NOT_SUPPORTED)).isEqualTo(1);
    }

    @Test
    void enforceRefusesAnUntrustedCertificate() throws Exception {
        peers.smtp.tls = TestCa.create("someone else").serverContext("mx.example.test");

        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).isEqualTo(AttemptOutcome.Result.TEMPORARY);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.5"));
        assertThat(outcome.text()).startsWith("MTA-STS policy of example.test (id p1, enforce): TLS with mx.example.test "
            + "failed: certificate not trusted");
        assertThat(count(TlsPolicyKey.STS, TlsResultType.CERTIFICATE_NOT_TRUSTED)).isEqualTo(1);
    }

    @Test
    void enforceRefusesAnExpiredCertificateAndOneForAnotherName() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        peers.smtp.tls = ca.serverContext(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)), "mx.example.test");
        assertThat(deliver(MtaStsSettings.DEFAULTS).text()).contains("certificate not valid now");
        peers.smtp.tls = ca.serverContext("mx.other.test");
        assertThat(deliver(MtaStsSettings.DEFAULTS).text()).contains("certificate does not name mx.example.test");
        assertThat(count(TlsPolicyKey.STS, TlsResultType.CERTIFICATE_EXPIRED)).isEqualTo(1);
        assertThat(count(TlsPolicyKey.STS, TlsResultType.CERTIFICATE_HOST_MISMATCH)).isEqualTo(1);
    }

    @Test
    void testingModeDeliversAndCountsTheFailure() throws Exception {
        policy = policy.replace("enforce", "testing");
        peers.smtp.tls = TestCa.create("someone else").serverContext("mx.example.test");

        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(AttemptOutcome.Result.DELIVERED);
        assertThat(count(TlsPolicyKey.STS, TlsResultType.CERTIFICATE_NOT_TRUSTED)).isEqualTo(1);
    }

    @Test
    void aLocalTestingOverrideOnlyReportsAnEnforcePolicy() throws Exception {
        peers.smtp.tls = null;
        MtaStsSettings settings = new MtaStsSettings(MtaStsSettings.Level.ENFORCE,
            MtaStsSettings.parseOverrides("example.test=testing"));

        AttemptOutcome outcome = deliver(settings);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(AttemptOutcome.Result.DELIVERED);
        assertThat(count(TlsPolicyKey.STS, TlsResultType.STARTTLS_NOT_SUPPORTED)).isEqualTo(1);
    }

    @Test
    void offSkipsMtaStsEntirely() throws Exception {
        peers.smtp.tls = null;

        AttemptOutcome outcome = deliver(new MtaStsSettings(MtaStsSettings.Level.OFF, List.of()));

        assertThat(outcome.result()).isEqualTo(AttemptOutcome.Result.DELIVERED);
        assertThat(fetches).hasValue(0);
        assertThat(counts()).isEmpty();
    }

    @Test
    void withoutAPolicyDeliveryIsOpportunisticAndCountedAsNoPolicyFound() throws Exception {
        policy = "garbage";
        peers.smtp.tls = TestCa.create("someone else").serverContext("mx.example.test");

        AttemptOutcome outcome = deliver(MtaStsSettings.DEFAULTS);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(AttemptOutcome.Result.DELIVERED);
        assertThat(count(TlsPolicyKey.NO_POLICY, TlsResultType.STS_POLICY_INVALID)).isEqualTo(1);
        assertThat(count(TlsPolicyKey.NO_POLICY, null)).isEqualTo(1);
    }

    @Test
    void requireTlsStaysALocalOverride() throws Exception {
        policy = policy.replace("enforce", "none");
        peers.smtp.tls = null;
        StsPolicyLookup lookup = new StsPolicyLookup(StsPolicyLookup.TxtLookup.of(peers.dns, Duration.ofSeconds(5)),
            domain -> fetchedPolicy(), new InMemoryStsPolicyCache(10), Clock.systemUTC());
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(peers.smtp.port())
            .withRequireTls(List.of(new DomainPattern("example.test"))).withVerifiedTls(ca.clientContext());
        AttemptOutcome outcome = new SmtpDelivery(peers.dns, options, Clock.systemUTC(), new Random(1),
            new MtaStsSecurity(lookup, MtaStsSettings.DEFAULTS, reports, Clock.systemUTC()))
            .deliver("example.test", OutboundMessage.of("a@postino.test", List.of("b@example.test"), "Subject: t\r\n\r\nt\r\n"))
            .outcomes().get(0);

        assertThat(outcome.result()).isEqualTo(AttemptOutcome.Result.TEMPORARY);
        assertThat(outcome.text()).startsWith("TLS is required for this domain");
    }

    private StsPolicyFetcher.Result fetchedPolicy() {
        try {
            return new StsPolicyFetcher.Fetched(StsPolicy.parse(policy));
        } catch (InvalidStsPolicyException e) {
            throw new IllegalStateException(e);
        }
    }
}
