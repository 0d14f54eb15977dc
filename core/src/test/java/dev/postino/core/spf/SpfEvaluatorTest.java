package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

class SpfEvaluatorTest {

    private static final InetAddress CLIENT = IpLiteral.parse("192.0.2.10");

    private TestDnsServer server;
    private DnsClient client;
    private SpfEvaluator evaluator;

    @BeforeEach
    void start() throws Exception {
        server = TestDnsServer.start();
        // no cache: every lookup reaches the server, so its counters show what the evaluator asked
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(0).withCacheSize(0));
        evaluator = new SpfEvaluator(client);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private SpfResult check(String mailFrom) {
        return evaluator.evaluateBlocking(SpfRequest.mailFrom(CLIENT, mailFrom, "mail.helo.test"));
    }

    @Test
    void passNamesTheDomainTheMechanismAndTheLookups() {
        server.addTxt("example.test", "v=spf1 include:_spf.example.test -all");
        server.addTxt("_spf.example.test", "v=spf1 ip4:192.0.2.0/24 -all");

        SpfResult result = check("alice@example.test");

        assertThat(result.verdict()).isEqualTo(SpfVerdict.PASS);
        assertThat(result.domain()).isEqualTo("example.test");
        assertThat(result.identity()).isEqualTo(SpfIdentity.MAIL_FROM);
        assertThat(result.mechanism()).isEqualTo("include:_spf.example.test");
        assertThat(result.explanation()).isEmpty();
        assertThat(result.dnsLookups()).isEqualTo(server.udpQueries()).isEqualTo(2);
    }

    @Test
    void failCarriesTheDomainsExplanationExpanded() {
        server.addTxt("example.test", "v=spf1 -all exp=why.example.test");
        server.addTxt("why.example.test", "%{i} may not send for %{d} (%{s})");

        SpfResult result = check("bob@example.test");

        assertThat(result.verdict()).isEqualTo(SpfVerdict.FAIL);
        assertThat(result.explanation()).isEqualTo("192.0.2.10 may not send for example.test (bob@example.test)");
    }

    @Test
    void failWithoutExpUsesTheDefaultExplanation() {
        server.addTxt("example.test", "v=spf1 -all");

        SpfResult result = check("bob@example.test");

        assertThat(result.verdict()).isEqualTo(SpfVerdict.FAIL);
        assertThat(result.explanation()).contains("example.test").contains("192.0.2.10").doesNotContain("%{");
    }

    @Test
    void nullReversePathChecksPostmasterAtTheHeloName() {
        server.addTxt("mail.helo.test", "v=spf1 -all exp=why.helo.test");
        server.addTxt("why.helo.test", "%{s}");

        for (String nullPath : new String[] {"", "<>", null}) {
            SpfResult result = check(nullPath);
            assertThat(result.verdict()).isEqualTo(SpfVerdict.FAIL);
            assertThat(result.domain()).isEqualTo("mail.helo.test");
            assertThat(result.explanation()).isEqualTo("postmaster@mail.helo.test");
        }
    }

    @Test
    void heloIdentityChecksTheHeloName() {
        server.addTxt("mail.helo.test", "v=spf1 ip4:192.0.2.10 -all");
        server.addTxt("example.test", "v=spf1 -all");

        SpfResult result = evaluator.evaluateBlocking(SpfRequest.helo(CLIENT, "mail.helo.test"));

        assertThat(result.verdict()).isEqualTo(SpfVerdict.PASS);
        assertThat(result.identity()).isEqualTo(SpfIdentity.HELO);
        assertThat(result.domain()).isEqualTo("mail.helo.test");
    }

    @Test
    void aTimeoutIsATemperrorWithinTheQueryTimeout() {
        server.addTxt("example.test", "v=spf1 a:slow.example.test -all");
        server.inject("slow.example.test", "A", TestDnsServer.Fault.TIMEOUT);

        long start = System.nanoTime();
        SpfResult result = check("carol@example.test");

        assertThat(result.verdict()).isEqualTo(SpfVerdict.TEMPERROR);
        assertThat(result.reason()).contains("slow.example.test");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    }

    @Test
    void servfailIsATemperror() {
        server.addTxt("example.test", "v=spf1 -all");
        server.inject("example.test", "TXT", TestDnsServer.Fault.SERVFAIL);

        assertThat(check("carol@example.test").verdict()).isEqualTo(SpfVerdict.TEMPERROR);
    }

    @Test
    void theTimeLimitOfTheWholeCheckGivesTemperror() {
        server.addTxt("example.test", "v=spf1 a:slow.example.test -all");
        server.inject("slow.example.test", "A", TestDnsServer.Fault.TIMEOUT);
        try (DnsClient patient = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofSeconds(10)).withRetries(0))) {
            SpfEvaluator hurried = new SpfEvaluator(patient, SpfOptions.defaults().withTimeLimit(Duration.ofMillis(200)));

            long start = System.nanoTime();
            SpfResult result = hurried.evaluateBlocking(SpfRequest.mailFrom(CLIENT, "carol@example.test", "helo.test"));

            assertThat(result.verdict()).isEqualTo(SpfVerdict.TEMPERROR);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        }
    }

    @Test
    void concurrentChecksShareOneEvaluator() {
        server.addTxt("example.test", "v=spf1 mx include:_spf.example.test -all");
        server.add("example.test. 300 IN MX 10 mx.example.test.");
        server.add("mx.example.test. 300 IN A 198.51.100.1");
        server.addTxt("_spf.example.test", "v=spf1 ip4:192.0.2.0/24 -all");

        List<CompletableFuture<SpfResult>> checks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            InetAddress ip = IpLiteral.parse(i % 2 == 0 ? "192.0.2." + i : "203.0.113." + i);
            checks.add(evaluator.evaluate(SpfRequest.mailFrom(ip, "user" + i + "@example.test", "helo.test")));
        }

        for (int i = 0; i < checks.size(); i++) {
            assertThat(checks.get(i).orTimeout(10, TimeUnit.SECONDS).join().verdict())
                .isEqualTo(i % 2 == 0 ? SpfVerdict.PASS : SpfVerdict.FAIL);
        }
    }

    @Test
    void theVoidLookupLimitIsConfigurable() {
        server.addTxt("example.test", "v=spf1 a:n1.example.test a:n2.example.test a:n3.example.test ?all");

        assertThat(check("dave@example.test").verdict()).isEqualTo(SpfVerdict.PERMERROR);
        SpfEvaluator lenient = new SpfEvaluator(client, SpfOptions.defaults().withVoidLookupLimit(3));
        assertThat(lenient.evaluateBlocking(SpfRequest.mailFrom(CLIENT, "dave@example.test", "helo.test")).verdict())
            .isEqualTo(SpfVerdict.NEUTRAL);
    }

    @Test
    void theEleventhDnsTermIsAPermerrorNamingIt() {
        StringBuilder record = new StringBuilder("v=spf1");
        for (int i = 1; i <= 11; i++) {
            record.append(" a:h").append(i).append(".example.test");
            server.add("h" + i + ".example.test. 300 IN A 10.0.0." + i);
        }
        server.addTxt("example.test", record.append(" -all").toString());

        SpfResult result = check("erin@example.test");

        assertThat(result.verdict()).isEqualTo(SpfVerdict.PERMERROR);
        assertThat(result.reason()).contains("a:h11.example.test");
        assertThat(server.queries("h10.example.test", "A")).isEqualTo(1);
        assertThat(server.queries("h11.example.test", "A")).isZero();
    }

    @Test
    void senderInputThatIsNoDomainGivesNoneWithoutAnyLookup() {
        String huge = "a".repeat(10_000) + ".example.test";
        for (String mailFrom : new String[] {"x@" + huge, "x@[192.0.2.1]", "x@single", "x@a..b.test", "x@\r\n.test", "x@1.2.3.4"}) {
            SpfResult result = check(mailFrom);
            assertThat(result.verdict()).as(mailFrom).isEqualTo(SpfVerdict.NONE);
            assertThat(result.reason()).as(mailFrom).isNotBlank();
        }
        assertThat(server.udpQueries()).isZero();
    }

    @Test
    void receivedSpfQuotesEverySenderValue() {
        server.addTxt("example.test", "v=spf1 -all");
        String helo = "evil\r\nX-Injected: yes; receiver=\"fake\" (comment";

        SpfResult result = evaluator.evaluateBlocking(SpfRequest.mailFrom(CLIENT, "\"a\\\"b\"@example.test", helo));
        String header = result.receivedSpfHeaderValue("mx.receiver.test");

        assertThat(header).startsWith("fail (").doesNotContain("\r").doesNotContain("\n");
        assertThat(header).contains("client-ip=\"192.0.2.10\";").contains("receiver=\"mx.receiver.test\";")
            .contains("identity=\"mailfrom\";").contains("helo=\"evil??X-Injected: yes; receiver=\\\"fake\\\" (comment\";");
        assertThat(header.split("receiver=\"", -1)).as(header).hasSize(2); // one receiver key: the helo's is escaped
    }

    /** A bounded fuzz of evaluation: random records served and checked always give a verdict, never an exception. */
    @Test
    void garbageRecordsAlwaysGiveAVerdict() {
        String[] pieces = {"a", "mx", "ptr", "ip4:192.0.2.10", "ip6:::1", "include:", "exists:", "all", "redirect=", "exp=",
            "%{d}", "%{p}", "%{i}", "%{l1r-}", "%{h}", ".example.test", "example.test", "/24", "//64", "-", "~", "?",
            "\u00ff", "%", "x.example.test"};
        Random random = new Random(4408);
        server.add("x.example.test. 300 IN A 192.0.2.10");
        for (int i = 0; i < 150; i++) {
            StringBuilder record = new StringBuilder("v=spf1");
            int terms = 1 + random.nextInt(5);
            for (int t = 0; t < terms; t++) {
                record.append(' ');
                int length = 1 + random.nextInt(3);
                for (int j = 0; j < length; j++) {
                    record.append(pieces[random.nextInt(pieces.length)]);
                }
            }
            server.clear();
            server.add("x.example.test. 300 IN A 192.0.2.10");
            server.addTxt("example.test", record.toString());

            SpfResult result = check("fuzz@example.test");

            assertThat(result.verdict()).as(record.toString()).isNotNull();
            assertThat(result.reason()).as(record.toString()).doesNotContain("internal error");
        }
    }
}
