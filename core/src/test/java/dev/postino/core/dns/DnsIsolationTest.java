package dev.postino.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;

/**
 * Names that never answer, chosen by a sender, must not slow down or fail the checks of anybody else: the
 * attack of issue 10 item 9, where a flood of them held every thread of the old blocking pool and an
 * unrelated SPF check went from 0.3 s to 15 s, then to temperror.
 */
class DnsIsolationTest {

    /** Long enough that no hostile query can end during the test: any end would be a refusal or a bug. */
    private static final Duration HOSTILE_TIMEOUT = Duration.ofSeconds(30);

    private TestDnsServer server;
    private DnsClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestDnsServer.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private DnsConfig config() {
        return DnsConfig.defaults().withServers(List.of(server.address())).withQueryTimeout(HOSTILE_TIMEOUT).withRetries(0);
    }

    @Test
    void floodOfSilentNamesLeavesAnUnrelatedCheckItsNormalRoundTrips() throws Exception {
        server.addTxt("good.test", "v=spf1 a:mx1.good.test include:_spf.good.test -all");
        server.add("mx1.good.test. 300 IN A 198.51.100.1");
        server.addTxt("_spf.good.test", "v=spf1 ip4:192.0.2.0/24 -all");
        server.blackHole("evil.test");
        client = DnsClient.create(config());
        SpfEvaluator spf = new SpfEvaluator(client);

        // The flood: 10 evaluations asking 30 silent names each at once (a DMARC walk, DKIM keys...), and
        // 20 SPF checks of MAIL FROM domains in the silent zone.
        List<CompletableFuture<?>> hostile = new ArrayList<>();
        CompletableFuture<Void> firstHostileEnd = new CompletableFuture<>();
        List<DnsBudget> budgets = new ArrayList<>();
        for (int evaluation = 0; evaluation < 10; evaluation++) {
            DnsBudget budget = DnsBudget.of(30, Duration.ofMinutes(1));
            budgets.add(budget);
            for (int i = 0; i < 30; i++) {
                hostile.add(client.txt("n" + i + ".e" + evaluation + ".evil.test", budget)
                    .whenComplete((result, error) -> firstHostileEnd.complete(null)));
            }
        }
        InetAddress sender = InetAddress.getByName("192.0.2.55");
        for (int i = 0; i < 20; i++) {
            hostile.add(spf.evaluate(SpfRequest.mailFrom(sender, "x@s" + i + ".evil.test", "mail.evil.test"))
                .whenComplete((result, error) -> firstHostileEnd.complete(null)));
        }

        // the silent zone holds its share and no more: 32 in flight; past each evaluation's 10, lookups wait
        // in their evaluation's line, the rest in the zone's
        InFlightLimiter.ZoneLoad flood = client.zoneLoad("evil.test");
        assertThat(flood.inFlight()).isEqualTo(DnsLimits.DEFAULT_MAX_IN_FLIGHT_PER_ZONE);
        assertThat(flood.waiting()).isEqualTo(10 * 10 + 20 - DnsLimits.DEFAULT_MAX_IN_FLIGHT_PER_ZONE);
        assertThat(client.evaluationLoad(budgets.get(0))).isEqualTo(new InFlightLimiter.EvaluationLoad(10, 20));

        CompletableFuture<SpfResult> unrelated =
            spf.evaluate(SpfRequest.mailFrom(sender, "alice@good.test", "mail.good.test"));
        CompletableFuture.anyOf(unrelated, firstHostileEnd).join();

        assertThat(unrelated).as("the unrelated check ends before any hostile lookup").isDone();
        assertThat(firstHostileEnd).isNotDone();
        SpfResult result = unrelated.join();
        assertThat(result.verdict()).as(result.reason()).isEqualTo(SpfVerdict.PASS);
        assertThat(result.dnsLookups()).isEqualTo(3);
        // one query per name, no retry: its lookups got their answers on the first round trip
        assertThat(server.queries("good.test", "TXT")).isEqualTo(1);
        assertThat(server.queries("mx1.good.test", "A")).isEqualTo(1);
        assertThat(server.queries("_spf.good.test", "TXT")).isEqualTo(1);
        assertThat(client.networkQueries()).as("32 silent queries, then the check's 3").isEqualTo(32 + 3);
        assertThat(client.refusedLookups()).isZero();
        // 350 lookups outstanding, and no thread waits for any of them
        long threads = Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.getName().startsWith(client.threadNamePrefix())).count();
        assertThat(threads).isLessThanOrEqualTo(client.maxThreads());
        assertThat(hostile).noneMatch(CompletableFuture::isDone);

        client.close();
        for (CompletableFuture<?> lookup : hostile) {
            Object outcome = lookup.join();
            if (outcome instanceof DnsResult<?> dns) {
                assertThat(dns.kind()).isEqualTo(DnsResult.Kind.TEMPORARY_FAILURE);
                assertThat(dns.reason()).contains("DNS client closed");
            } else {
                assertThat(((SpfResult) outcome).verdict()).isEqualTo(SpfVerdict.TEMPERROR);
            }
        }
    }

    @Test
    void deliveryHasItsOwnClientApartFromTheChecks() {
        server.blackHole("dead.test");
        server.add("mx.dead.test. 300 IN A 192.0.2.9");
        DnsConfig config = config().withQueryTimeout(Duration.ofMillis(300))
            .withLimits(DnsLimits.defaults().withZoneTimeouts(1));
        DnsClient checks = SharedDnsClients.acquire(config);
        DnsClient delivery = SharedDnsClients.acquire(config, SharedDnsClients.Purpose.DELIVERY);
        try {
            assertThat(delivery).isNotSameAs(checks);
            assertThat(SharedDnsClients.acquire(config, SharedDnsClients.Purpose.CHECKS)).isSameAs(checks);
            SharedDnsClients.release(checks);

            // a sender makes the checks give up on a zone...
            assertThat(checks.txt("x.dead.test", DnsBudget.of(1, Duration.ofSeconds(5))).join().isTemporaryFailure()).isTrue();
            assertThat(checks.zoneLoad("dead.test").backingOff()).isTrue();
            // ...which delivery still asks: its limits and backoffs are its own
            server.removeBlackHole("dead.test");
            assertThat(delivery.a("mx.dead.test", DnsBudget.of(1, Duration.ofSeconds(5))).join().hasRecords()).isTrue();
            assertThat(checks.a("mx.dead.test", DnsBudget.of(1, Duration.ofSeconds(5))).join().reason())
                .contains("not answering");
        } finally {
            SharedDnsClients.release(checks);
            SharedDnsClients.release(delivery);
        }
    }

    @Test
    void silentZoneIsNotAskedDuringItsBackoffAndItsRefusalsAreNotCached() throws Exception {
        DnsClientTest.MutableClock clock = new DnsClientTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        server.blackHole("dead.test");
        server.add("www.dead.test. 300 IN A 192.0.2.7");
        server.add("www.alive.test. 300 IN A 192.0.2.8");
        client = DnsClient.create(config().withQueryTimeout(Duration.ofMillis(200))
            .withLimits(DnsLimits.defaults().withZoneTimeouts(2).withZoneBackoff(Duration.ofSeconds(30), Duration.ofMinutes(5))), clock);

        assertThat(client.a("a.dead.test", budget()).join().reason()).contains("timeout from");
        assertThat(client.zoneLoad("dead.test").backingOff()).isFalse();
        assertThat(client.a("b.dead.test", budget()).join().reason()).contains("timeout from");
        DnsResult<InetAddress> refused = client.a("www.dead.test", budget()).join();

        assertThat(refused.kind()).isEqualTo(DnsResult.Kind.TEMPORARY_FAILURE);
        assertThat(refused.reason()).contains("zone dead.test is not answering (2 timeouts in a row)")
            .contains("not asked again for 30 s");
        assertThat(server.queriesUnder("dead.test")).as("the third lookup was never sent").isEqualTo(2);
        assertThat(client.refusedLookups()).isEqualTo(1);
        assertThat(client.a("www.alive.test", budget()).join().hasRecords()).as("other zones are asked").isTrue();

        // the zone answers again: once the backoff is over, the refused name is asked (nothing was cached)
        server.removeBlackHole("dead.test");
        clock.advance(Duration.ofSeconds(29));
        assertThat(client.a("www.dead.test", budget()).join().reason()).contains("not asked again for 1 s");
        clock.advance(Duration.ofSeconds(1));
        assertThat(client.a("www.dead.test", budget()).join().values())
            .containsExactly(InetAddress.getByName("192.0.2.7"));
        assertThat(client.zoneLoad("dead.test").backingOff()).isFalse();
        assertThat(server.queriesUnder("dead.test")).isEqualTo(3);
    }

    @Test
    void backoffStopsTheRetriesOfALookupUnderWay() {
        server.blackHole("dead.test");
        client = DnsClient.create(config().withQueryTimeout(Duration.ofMillis(200)).withRetries(3)
            .withLimits(DnsLimits.defaults().withZoneTimeouts(1)));

        DnsResult<String> result = client.txt("x.dead.test", budget()).join();

        assertThat(result.reason()).contains("timeout from").contains("zone dead.test is not answering");
        assertThat(server.queriesUnder("dead.test")).as("no retry once the zone is backing off").isEqualTo(1);
    }

    @Test
    void aWaitCutShortByTheEvaluationsTimeDoesNotCountAgainstTheZone() {
        server.blackHole("dead.test");
        client = DnsClient.create(config().withQueryTimeout(Duration.ofSeconds(5)).withRetries(0)
            .withLimits(DnsLimits.defaults().withZoneTimeouts(1)));

        DnsResult<String> result = client.txt("x.dead.test", DnsBudget.of(1, Duration.ofMillis(100))).join();

        assertThat(result.reason()).contains("timeout from");
        assertThat(client.zoneLoad("dead.test").backingOff()).isFalse();
    }

    private static DnsBudget budget() {
        return DnsBudget.of(10, Duration.ofSeconds(10));
    }

}
