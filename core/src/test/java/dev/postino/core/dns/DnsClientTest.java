package dev.postino.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.ResolverConfig;

import dev.postino.core.dns.testing.TestDnsServer;

class DnsClientTest {

    private TestDnsServer server;
    private MutableClock clock;
    private DnsClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestDnsServer.start();
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        client = DnsClient.create(config(), clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private DnsConfig config() {
        return DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(1); // generous: the first query of a JVM is slow
    }

    private static DnsBudget budget() {
        return DnsBudget.of(100, Duration.ofSeconds(10));
    }

    @Test
    void decodesEachRecordType() throws Exception {
        server.loadZone("""
            $TTL 600
            @      IN A     192.0.2.10
            @      IN AAAA  2001:db8::10
            @      IN MX    10 Mail.Example.test.
            @      IN MX    20 backup.example.test.
            @      IN TXT   "v=spf1 " "-all"
            10.2.0.192.in-addr.arpa. IN PTR mail.example.test.
            """, "example.test");

        assertThat(client.a("example.test", budget()).join().values())
            .containsExactly(InetAddress.getByName("192.0.2.10"));
        assertThat(client.aaaa("example.test", budget()).join().values())
            .containsExactly(InetAddress.getByName("2001:db8::10"));
        assertThat(client.mx("example.test.", budget()).join().values())
            .containsExactlyInAnyOrder(new MxRecord(10, "mail.example.test"), new MxRecord(20, "backup.example.test"));
        DnsResult<String> txt = client.txt("example.test", budget()).join();
        assertThat(txt.values()).containsExactly("v=spf1 -all");
        assertThat(txt.ttl()).isEqualTo(Duration.ofSeconds(600));
        assertThat(client.ptr(InetAddress.getByName("192.0.2.10"), budget()).join().values())
            .containsExactly("mail.example.test");
    }

    @Test
    void nxdomainAndNodataAreDistinctPermanentAnswers() {
        server.add("exists.test. 300 IN A 192.0.2.1");

        DnsResult<String> nodata = client.txt("exists.test", budget()).join();
        DnsResult<String> nxdomain = client.txt("missing.exists.test", budget()).join();

        assertThat(nodata.kind()).isEqualTo(DnsResult.Kind.NODATA);
        assertThat(nxdomain.kind()).isEqualTo(DnsResult.Kind.NXDOMAIN);
        assertThat(nodata.isEmptyAnswer()).isTrue();
        assertThat(nxdomain.isTemporaryFailure()).isFalse();
    }

    @Test
    void cachedAnswerExpiresWithItsTtl() {
        server.add("ttl.test. 60 IN TXT \"first\"");

        assertThat(client.txt("ttl.test", budget()).join().values()).containsExactly("first");
        clock.advance(Duration.ofSeconds(59));
        assertThat(client.txt("TTL.test", budget()).join().values()).containsExactly("first");
        assertThat(server.queries("ttl.test", "TXT")).isEqualTo(1);

        server.clear();
        server.add("ttl.test. 60 IN TXT \"second\"");
        clock.advance(Duration.ofSeconds(1));
        assertThat(client.txt("ttl.test", budget()).join().values()).containsExactly("second");
        assertThat(server.queries("ttl.test", "TXT")).isEqualTo(1);
    }

    @Test
    void maxCacheTtlCapsLongTtls() {
        client.close();
        client = DnsClient.create(config().withMaxCacheTtl(Duration.ofSeconds(10)), clock);
        server.add("long.test. 86400 IN A 192.0.2.7");

        client.a("long.test", budget()).join();
        clock.advance(Duration.ofSeconds(11));
        client.a("long.test", budget()).join();

        assertThat(server.queries("long.test", "A")).isEqualTo(2);
    }

    @Test
    void negativeAnswersAreCachedForTheSoaMinimum() {
        server.setNegativeTtl(30);
        server.add("here.test. 300 IN A 192.0.2.1");

        for (int i = 0; i < 3; i++) {
            assertThat(client.txt("nowhere.test", budget()).join().kind()).isEqualTo(DnsResult.Kind.NXDOMAIN);
            assertThat(client.txt("here.test", budget()).join().kind()).isEqualTo(DnsResult.Kind.NODATA);
        }
        assertThat(server.queries("nowhere.test", "TXT")).isEqualTo(1);
        assertThat(server.queries("here.test", "TXT")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(30));
        client.txt("nowhere.test", budget()).join();
        client.txt("here.test", budget()).join();
        assertThat(server.queries("nowhere.test", "TXT")).isEqualTo(2);
        assertThat(server.queries("here.test", "TXT")).isEqualTo(2);
    }

    @Test
    void largeAnswerIsFetchedAgainOverTcpWithoutEdns() {
        client.close();
        client = DnsClient.create(config().withEdnsPayloadSize(0), clock);
        String big = "v=DKIM1; k=rsa; p=" + "A".repeat(900);
        server.addTxt("big.test", big);

        DnsResult<String> result = client.txt("big.test", budget()).join();

        assertThat(result.values()).containsExactly(big);
        assertThat(server.udpQueries()).isEqualTo(1);
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void answerOverTheEdnsSizeIsFetchedAgainOverTcp() {
        String huge = "x".repeat(3000);
        String medium = "y".repeat(900);
        server.addTxt("huge.test", huge);
        server.addTxt("medium.test", medium);

        assertThat(client.txt("medium.test", budget()).join().values()).containsExactly(medium);
        assertThat(server.tcpQueries()).isZero(); // 900 octets fit in the advertised 1232
        assertThat(client.txt("huge.test", budget()).join().values()).containsExactly(huge);
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void concurrentLookupsAreAllAnsweredPromptly() {
        for (int i = 0; i < 40; i++) {
            server.add("host" + i + ".burst.test. 300 IN A 192.0.2." + (i + 1));
        }
        DnsBudget budget = DnsBudget.of(100, Duration.ofSeconds(10));

        long start = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<DnsResult<InetAddress>>> lookups = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lookups.add(client.a("host" + i + ".burst.test", budget));
        }
        List<DnsResult<InetAddress>> results = lookups.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertThat(results).allMatch(DnsResult::hasRecords);
        assertThat(server.udpQueries()).as("no query lost and retried").isEqualTo(40);
        // a generous bound for a loaded machine; the stall this guards against was a second per query
        assertThat(elapsed).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void truncatedUdpAnswerIsRetriedOverTcp() {
        server.add("small.test. 300 IN A 192.0.2.9");
        server.inject("small.test", "A", TestDnsServer.Fault.TRUNCATE);

        DnsResult<InetAddress> result = client.a("small.test", budget()).join();

        assertThat(result.hasRecords()).isTrue();
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void noAnswerIsATemporaryFailureWithinTheBudgetTime() {
        client.close();
        client = DnsClient.create(config().withQueryTimeout(Duration.ofSeconds(5)).withRetries(5), clock);
        server.add("slow.test. 300 IN TXT \"never\"");
        server.inject("slow.test", "TXT", TestDnsServer.Fault.TIMEOUT);
        DnsBudget budget = DnsBudget.of(10, Duration.ofMillis(400));

        long start = System.nanoTime();
        DnsResult<String> result = client.txt("slow.test", budget).join();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.kind()).isEqualTo(DnsResult.Kind.TEMPORARY_FAILURE);
        assertThat(result.reason()).contains("timeout");
        assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(350)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void timeoutIsRetriedUpToTheConfiguredRounds() {
        server.inject("gone.test", "A", TestDnsServer.Fault.TIMEOUT);

        DnsResult<InetAddress> result = client.a("gone.test", budget()).join();

        assertThat(result.kind()).isEqualTo(DnsResult.Kind.TEMPORARY_FAILURE);
        assertThat(server.queries("gone.test", "A")).isEqualTo(2); // first try + 1 retry
    }

    @Test
    void servfailIsATemporaryFailureAndNotCached() {
        server.add("broken.test. 300 IN TXT \"x\"");
        server.inject("broken.test", "TXT", TestDnsServer.Fault.SERVFAIL);

        DnsResult<String> first = client.txt("broken.test", budget()).join();
        assertThat(first.kind()).isEqualTo(DnsResult.Kind.TEMPORARY_FAILURE);
        assertThat(first.reason()).contains("SERVFAIL");

        server.removeFault("broken.test", "TXT");
        assertThat(client.txt("broken.test", budget()).join().values()).containsExactly("x");
    }

    @Test
    void deadServerIsSkippedForTheNextOne() throws Exception {
        InetSocketAddress silent;
        try (java.net.DatagramSocket unused = new java.net.DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            silent = new InetSocketAddress("127.0.0.1", unused.getLocalPort()); // bound, never answers
            client.close();
            client = DnsClient.create(config().withServers(List.of(silent, server.address())), clock);
            server.add("failover.test. 300 IN A 192.0.2.3");

            assertThat(client.a("failover.test", budget()).join().hasRecords()).isTrue();
        }
    }

    @Test
    void queryLimitIsReportedWithoutAsking() {
        server.add("a.test. 300 IN A 192.0.2.1");
        DnsBudget budget = DnsBudget.of(2, Duration.ofSeconds(5));

        client.a("a.test", budget).join();
        client.a("a.test", budget).join(); // from the cache, still counted
        DnsResult<InetAddress> third = client.a("a.test", budget).join();

        assertThat(third.kind()).isEqualTo(DnsResult.Kind.QUERY_LIMIT);
        assertThat(budget.queriesUsed()).isEqualTo(2);
        assertThat(server.queries("a.test", "A")).isEqualTo(1);
    }

    @Test
    void invalidNameIsReportedWithoutAsking() {
        DnsResult<String> result = client.txt("a".repeat(64) + ".test", budget()).join();

        assertThat(result.kind()).isEqualTo(DnsResult.Kind.INVALID_NAME);
        assertThat(server.udpQueries()).isZero();
    }

    @Test
    void cnameIsFollowed() {
        server.loadZone("""
            alias IN CNAME target
            target IN TXT "at the target"
            """, "cname.test");

        assertThat(client.txt("alias.cname.test", budget()).join().values()).containsExactly("at the target");
    }

    @Test
    void nullMxIsTheRootName() {
        server.add("nomail.test. 300 IN MX 0 .");

        assertThat(client.mx("nomail.test", budget()).join().values()).containsExactly(new MxRecord(0, "."));
    }

    @Test
    void globalDnsjavaDefaultsAreUntouched() throws Exception {
        var resolverBefore = Lookup.getDefaultResolver();
        var cacheBefore = Lookup.getDefaultCache(DClass.IN);
        int cacheSizeBefore = cacheBefore.getSize();
        List<Name> searchPathBefore = Lookup.getDefaultSearchPath();
        ResolverConfig configBefore = ResolverConfig.getCurrentConfig();
        server.add("global.test. 300 IN A 192.0.2.4");

        try (DnsClient other = DnsClient.create(DnsConfig.defaults())) {
            assertThat(other.servers()).isEqualTo(ResolverConfig.getCurrentConfig().servers().isEmpty()
                ? other.servers() : ResolverConfig.getCurrentConfig().servers());
        }
        client.a("global.test", budget()).join();
        client.txt("nxdomain.global.test", budget()).join();

        assertThat(Lookup.getDefaultResolver()).isSameAs(resolverBefore);
        assertThat(Lookup.getDefaultCache(DClass.IN)).isSameAs(cacheBefore);
        assertThat(cacheBefore.getSize()).isEqualTo(cacheSizeBefore);
        assertThat(Lookup.getDefaultSearchPath()).isEqualTo(searchPathBefore);
        assertThat(ResolverConfig.getCurrentConfig()).isSameAs(configBefore);
    }

    @Test
    void resolverListParsing() {
        assertThat(DnsConfig.parseServers("127.0.0.1:5353, [::1]:53 192.0.2.1"))
            .containsExactly(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("::1", 53),
                new InetSocketAddress("192.0.2.1", 53));
        assertThat(DnsConfig.parseServers("2001:db8::1")).containsExactly(new InetSocketAddress("2001:db8::1", 53));

        assertThatThrownBy(() -> DnsConfig.parseServers("dns.example.com:53"))
            .hasMessage("expected an IPv4 or IPv6 address, not a host name, in 'dns.example.com:53'");
        assertThatThrownBy(() -> DnsConfig.parseServers("127.0.0.1:99999"))
            .hasMessageContaining("'127.0.0.1:99999'").hasMessageContaining("port number");
        assertThatThrownBy(() -> DnsConfig.parseServers("300.1.1.1")).hasMessageContaining("'300.1.1.1'");
        assertThatThrownBy(() -> DnsConfig.parseServers(" , ")).hasMessageContaining("found no resolver");
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        synchronized void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public synchronized Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
