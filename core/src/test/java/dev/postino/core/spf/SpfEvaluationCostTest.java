package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.net.IpLiteral;

/**
 * The cost bounds of a whole check, asserted as work counted and sizes seen (never as time): the record length
 * cap, expansions that cost the same whatever the record's length, and a time limit that stops CPU work as well
 * as lookups (moved by a fake clock).
 */
class SpfEvaluationCostTest {

    private static final InetAddress CLIENT = IpLiteral.parse("192.0.2.10");
    /** 120 one-letter labels: the most labels per character, what made the old left cut quadratic. */
    private static final String HOSTILE = "a.".repeat(120) + "hostile.test";

    private TestDnsServer server;
    private DnsClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestDnsServer.start();
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofSeconds(2)).withRetries(0));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static SpfRequest from(String mailFrom, String helo) {
        return SpfRequest.mailFrom(CLIENT, mailFrom, helo);
    }

    private SpfResult run(SpfEvaluation evaluation) {
        return evaluation.run().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** {@code v=spf1 } and {@code ip4:} terms that never match, then {@code -all}: exactly {@code length} octets. */
    private static String paddedRecord(int length) {
        StringBuilder record = new StringBuilder("v=spf1");
        while (record.length() < length - " ip4:198.51.100.1".length() - " -all".length()) {
            record.append(" ip4:198.51.100.1");
        }
        record.append(" -all");
        while (record.length() < length) {
            record.insert(6, ' '); // terms may be separated by several spaces
        }
        return record.toString();
    }

    @Test
    void aRecordOverTheLengthLimitIsAPermerrorAndIsNeverParsed() {
        server.addTxt("long.test", paddedRecord(SpfOptions.DEFAULT_MAX_RECORD_LENGTH + 1));
        SpfRecordCache parsed = new SpfRecordCache(10);

        SpfResult result = run(new SpfEvaluation(client, SpfOptions.defaults(), parsed, from("bob@long.test", "helo.test")));

        assertThat(result.verdict()).isEqualTo(SpfVerdict.PERMERROR);
        assertThat(result.reason()).contains("4097 octets long, more than the 4096");
        assertThat(parsed.size()).isZero();
    }

    @Test
    void aRecordAtTheLengthLimitIsEvaluated() {
        server.addTxt("long.test", paddedRecord(SpfOptions.DEFAULT_MAX_RECORD_LENGTH));
        SpfRecordCache parsed = new SpfRecordCache(10);

        SpfResult result = run(new SpfEvaluation(client, SpfOptions.defaults(), parsed, from("bob@long.test", "helo.test")));

        assertThat(result.verdict()).isEqualTo(SpfVerdict.FAIL);
        assertThat(parsed.size()).isOne();
    }

    /**
     * Records of 1, 2 and 4 KB of {@code %{d}} took 2.9, 5.5 and 6.7 s of CPU: the expansion (16 to 64 KB) was cut
     * to 253 one label at a time. Now each costs the same few hundred steps, and so does a 60 KB one with the
     * length cap lifted; the name asked is the one RFC 7208 §7.3 gives.
     */
    @ParameterizedTest
    @ValueSource(ints = {1_024, 2_048, 4_000, 60_000})
    void macroRecordsCostTheSameWhateverTheirLength(int length) {
        String macros = "%{d}".repeat((length - "v=spf1 a: -all".length()) / 4);
        server.addTxt(HOSTILE, "v=spf1 a:" + macros + " -all");
        String asked = MacroStringCostTest.cutAsRfc7208Says(HOSTILE.repeat(macros.length() / 4));
        SpfOptions options = SpfOptions.defaults().withMaxRecordLength(65_535);
        SpfEvaluation evaluation = new SpfEvaluation(client, options, new SpfRecordCache(10), from("bob@" + HOSTILE, "helo.test"));

        SpfResult result = run(evaluation);

        assertThat(result.verdict()).as(result.reason()).isEqualTo(SpfVerdict.FAIL);
        assertThat(server.queries(asked, "A")).isOne();
        // the cut name (254 steps at most), two terms, the default explanation (512 characters at most)
        assertThat(evaluation.work()).isLessThanOrEqualTo(MacroString.DOMAIN_WINDOW + 2 + MacroString.MAX_TEXT);
    }

    @Test
    void a60KbLabelIsAPermerror() {
        server.addTxt("label.test", "v=spf1 a:x." + "1".repeat(60_000) + " -all");
        SpfOptions options = SpfOptions.defaults().withMaxRecordLength(65_535);

        SpfResult result = run(new SpfEvaluation(client, options, new SpfRecordCache(10), from("bob@label.test", "helo.test")));

        assertThat(result.verdict()).isEqualTo(SpfVerdict.PERMERROR);
        assertThat(result.reason()).contains("top label");
    }

    /** A clock that moves one millisecond each time it is read. */
    private static LongSupplier tickingClock(AtomicLong reads) {
        return () -> TimeUnit.MILLISECONDS.toNanos(reads.incrementAndGet());
    }

    @Test
    void theTimeLimitStopsTheWorkBetweenTerms() {
        StringBuilder record = new StringBuilder("v=spf1");
        for (int i = 0; i < 200; i++) {
            record.append(" ip4:198.51.100.").append(i);
        }
        server.addTxt("terms.test", record.append(" -all").toString());
        AtomicLong reads = new AtomicLong();
        SpfOptions options = SpfOptions.defaults().withTimeLimit(Duration.ofMillis(50));
        SpfEvaluation evaluation = new SpfEvaluation(client, options, new SpfRecordCache(10),
            from("bob@terms.test", "helo.test"), tickingClock(reads));

        SpfResult result = run(evaluation);

        assertThat(result.verdict()).isEqualTo(SpfVerdict.TEMPERROR);
        assertThat(result.reason()).contains("time limit of 50 ms");
        // the clock is read once per term: 50 ms of this clock is about 50 terms, not 201
        assertThat(evaluation.work()).isBetween(40L, 60L);
    }

    @Test
    void theTimeLimitStopsAnExpansionBetweenItsParts() {
        // 1,000 macros that expand to nothing (the HELO name is empty): each is still a part to visit
        server.addTxt("parts.test", "v=spf1 exists:" + "%{h}".repeat(1_000) + ".x.test -all");
        AtomicLong reads = new AtomicLong();
        SpfOptions options = SpfOptions.defaults().withTimeLimit(Duration.ofMillis(100));
        SpfEvaluation evaluation = new SpfEvaluation(client, options, new SpfRecordCache(10),
            from("bob@parts.test", ""), tickingClock(reads));

        SpfResult result = run(evaluation);

        assertThat(result.verdict()).isEqualTo(SpfVerdict.TEMPERROR);
        assertThat(result.reason()).contains("time limit");
        assertThat(reads.get()).isBetween(95L, 105L);
        assertThat(server.queries("x.test", "A")).isZero();
    }

    @Test
    void aFailWhoseExplanationPassesTheTimeLimitStaysAFailWithTheDefaultExplanation() {
        server.addTxt("exp.test", "v=spf1 -all exp=" + "%{h}".repeat(100) + ".why.exp.test");
        server.addTxt("why.exp.test", "custom explanation");
        AtomicLong reads = new AtomicLong();
        SpfOptions options = SpfOptions.defaults().withTimeLimit(Duration.ofMillis(10));
        SpfEvaluation evaluation = new SpfEvaluation(client, options, new SpfRecordCache(10),
            from("bob@exp.test", ""), tickingClock(reads));

        SpfResult result = run(evaluation);

        assertThat(result.verdict()).isEqualTo(SpfVerdict.FAIL);
        assertThat(result.explanation()).isEqualTo("exp.test does not designate 192.0.2.10 as a permitted sender");
        assertThat(server.queries("why.exp.test", "TXT")).isZero();
    }

    @Test
    void withinTheTimeLimitTheClockChangesNothing() {
        server.addTxt("terms.test", "v=spf1 ip4:198.51.100.1 ip4:192.0.2.0/24 -all");
        AtomicLong reads = new AtomicLong();
        SpfEvaluation evaluation = new SpfEvaluation(client, SpfOptions.defaults(), new SpfRecordCache(10),
            from("bob@terms.test", "helo.test"), tickingClock(reads));

        assertThat(run(evaluation).verdict()).isEqualTo(SpfVerdict.PASS);
    }
}
