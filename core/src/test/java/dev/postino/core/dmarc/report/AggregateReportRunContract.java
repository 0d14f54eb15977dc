package dev.postino.core.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dmarc.AuthenticatedIdentifiers;
import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcOptions;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dmarc.report.testing.ReportXml;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;

/**
 * A day of evaluations made by the real evaluator against a loopback DNS server, through the store, into reports
 * sent to a capturing transport: several policy domains and destinations, an external destination without its
 * verifying record, one over its size limit, and a second run that sends nothing.
 */
abstract class AggregateReportRunContract {

    static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");
    static final ReporterIdentity REPORTER = new ReporterIdentity("Postino Test", "dmarc-reports@reporter.test",
        "reporter.test", "", "Postino");

    private TestDnsServer dns;
    private DnsClient client;
    private DmarcEvaluator evaluator;
    protected DmarcReportStore store;

    /** The store under test, empty. */
    protected abstract DmarcReportStore openStore() throws Exception;

    /** The same store as another node sees it (its own connections). */
    protected abstract DmarcReportStore openSecondNode() throws Exception;

    protected abstract void closeStores() throws Exception;
    private final List<Sent> sent = new ArrayList<>();

    record Sent(AggregateReport report, byte[] gzip, ReportDestination destination) {
    }

    @BeforeEach
    void start() throws Exception {
        store = openStore();
        dns = TestDnsServer.start();
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(1));
        evaluator = new DmarcEvaluator(client, DmarcOptions.defaults());
        dns.addTxt("_dmarc.alpha.test",
            "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; rua=mailto:dmarc@alpha.test,mailto:agg@reports.example");
        dns.add("sub.alpha.test. 300 IN A 192.0.2.99");
        dns.addTxt("alpha.test._report._dmarc.reports.example", "v=DMARC1");
        dns.addTxt("_dmarc.beta.test",
            "v=DMARC1; p=quarantine; t=y; rua=mailto:agg@reports.example,mailto:nobody@unverified.example");
        dns.addTxt("beta.test._report._dmarc.reports.example", "v=DMARC1;");
        dns.addTxt("_dmarc.gamma.test", "v=DMARC1; p=none; rua=mailto:small@gamma.test!1k,mailto:big@gamma.test!10m");
        dns.addTxt("_dmarc.delta.test", "v=DMARC1; p=reject");
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        dns.close();
        closeStores();
    }

    private DmarcEvaluationRecord evaluate(Instant time, String ip, String from, String mailFrom, SpfVerdict spf,
                                           DkimResult... dkim) throws Exception {
        String spfDomain = mailFrom.substring(mailFrom.indexOf('@') + 1);
        DmarcResult dmarc = evaluator.evaluate(List.of(" " + from),
            new AuthenticatedIdentifiers(spfDomain, spf, List.of(dkim))).join();
        SpfResult spfResult = new SpfResult(SpfRequest.mailFrom(InetAddress.getByName(ip), mailFrom, "mx.sender.test"),
            spf, "", spfDomain, 1, "", "");
        return new DmarcEvaluationRecord(time, ip, spfResult, List.of(dkim), dmarc, "receiver.test", "", "");
    }

    private static DkimResult dkim(DkimVerdict verdict, String domain, String selector) {
        return new DkimResult(verdict, domain, selector, "rsa-sha256", "@" + domain, "abcdefgh", "", false, false);
    }

    private void feed(int times, Instant time, String ip, String from, String mailFrom, SpfVerdict spf,
                      DkimResult... dkim) throws Exception {
        DmarcEvaluationRecord record = evaluate(time, ip, from, mailFrom, spf, dkim);
        for (int i = 0; i < times; i++) {
            Evaluation.of(record).ifPresent(store::add);
        }
    }

    private void feedTheDay() throws Exception {
        Instant morning = DAY.plus(Duration.ofHours(9));
        feed(5, morning, "192.0.2.1", "a@alpha.test", "bounce@alpha.test", SpfVerdict.PASS,
            dkim(DkimVerdict.PASS, "alpha.test", "s1"));
        feed(3, morning, "198.51.100.7", "a@alpha.test", "x@spoof.example", SpfVerdict.FAIL,
            dkim(DkimVerdict.FAIL, "alpha.test", "s1"));
        feed(2, morning, "198.51.100.7", "b@sub.alpha.test", "x@spoof.example", SpfVerdict.FAIL);
        feed(4, DAY.plus(Duration.ofHours(23)), "203.0.113.5", "c@beta.test", "c@beta.test", SpfVerdict.SOFTFAIL);
        feed(1, DAY.plus(Duration.ofHours(12)), "2001:db8::25", "c@beta.test", "c@beta.test", SpfVerdict.PASS);
        for (int i = 0; i < 200; i++) {
            feed(1, morning, "10.0." + (i / 100) + "." + (i % 100), "n@gamma.test", "n@gamma.test", SpfVerdict.PASS);
        }
        feed(7, morning, "192.0.2.1", "d@delta.test", "d@delta.test", SpfVerdict.FAIL); // no rua: never reported
        feed(6, DAY.minusSeconds(1), "192.0.2.1", "a@alpha.test", "bounce@alpha.test", SpfVerdict.PASS); // the day before
        feed(6, DAY.plus(Duration.ofDays(1)), "192.0.2.1", "a@alpha.test", "bounce@alpha.test", SpfVerdict.PASS); // today
    }

    private AggregateReportRun run(Instant now, ReportTransport transport) {
        return run(store, now, transport);
    }

    private AggregateReportRun run(DmarcReportStore on, Instant now, ReportTransport transport) {
        return new AggregateReportRun(on, new DestinationVerifier(client, Duration.ofSeconds(3)), transport,
            REPORTER, ReportingPeriod.daily(), Duration.ofDays(1), Clock.fixed(now, ZoneOffset.UTC));
    }

    private ReportTransport capture() {
        return (report, gzip, destination) -> sent.add(new Sent(report, gzip, destination));
    }

    @Test
    void aDayOfEvaluationsGivesOneValidReportPerPolicyDomainAndDestination() throws Exception {
        feedTheDay();

        List<AggregateReportRun.Delivery> deliveries = run(DAY.plus(Duration.ofHours(24).plusMinutes(30)), capture()).run();

        assertThat(deliveries).extracting(AggregateReportRun.Delivery::policyDomain, AggregateReportRun.Delivery::destination,
            AggregateReportRun.Delivery::status).containsExactlyInAnyOrder(
            tuple("alpha.test", "mailto:dmarc@alpha.test", AggregateReportRun.Status.SENT),
            tuple("alpha.test", "mailto:agg@reports.example", AggregateReportRun.Status.SENT),
            tuple("beta.test", "mailto:agg@reports.example", AggregateReportRun.Status.SENT),
            tuple("beta.test", "mailto:nobody@unverified.example", AggregateReportRun.Status.REFUSED),
            tuple("gamma.test", "mailto:small@gamma.test!1k", AggregateReportRun.Status.TOO_LARGE),
            tuple("gamma.test", "mailto:big@gamma.test!10m", AggregateReportRun.Status.SENT));
        assertThat(sent).extracting(s -> s.destination().address()).containsExactlyInAnyOrder(
            "dmarc@alpha.test", "agg@reports.example", "agg@reports.example", "big@gamma.test");

        for (Sent s : sent) {
            byte[] xml = ReportXml.gunzip(s.gzip());
            ReportXml.validate(xml);
            Document document = ReportXml.parse(xml);
            assertThat(document.getDocumentElement().getNamespaceURI()).isEqualTo("urn:ietf:params:xml:ns:dmarc-2.0");
            assertThat(document.getDocumentElement().getLocalName()).isEqualTo("feedback");
            assertThat(ReportXml.text(document, "version")).isEqualTo("1.0");
            assertThat(ReportXml.text(document, "org_name")).isEqualTo("Postino Test");
            assertThat(ReportXml.text(document, "begin")).isEqualTo(Long.toString(DAY.getEpochSecond()));
            assertThat(ReportXml.text(document, "end")).isEqualTo(Long.toString(DAY.getEpochSecond() + 86_399));
            String domain = s.report().policyDomain();
            assertThat(ReportXml.text(document, "domain")).isEqualTo(domain);
            assertThat(s.report().subject()).isEqualTo("Report Domain: " + domain + " Submitter: reporter.test Report-ID: <"
                + ReportXml.text(document, "report_id") + ">");
            assertThat(s.report().fileName()).isEqualTo("reporter.test!" + domain + "!" + DAY.getEpochSecond() + "!"
                + (DAY.getEpochSecond() + 86_399) + ".xml.gz");
        }

        Document alpha = ReportXml.parse(ReportXml.gunzip(only("alpha.test", "dmarc@alpha.test").gzip()));
        assertThat(ReportXml.text(alpha, "p")).isEqualTo("reject");
        assertThat(ReportXml.text(alpha, "sp")).isEqualTo("quarantine");
        assertThat(ReportXml.text(alpha, "np")).isEqualTo("reject");
        assertThat(ReportXml.text(alpha, "adkim")).isEqualTo("s");
        assertThat(ReportXml.text(alpha, "discovery_method")).isEqualTo("treewalk");
        assertThat(ReportXml.rows(alpha)).extracting(ReportXml.Row::sourceIp, ReportXml.Row::headerFrom,
            ReportXml.Row::disposition, ReportXml.Row::count).containsExactlyInAnyOrder(
            tuple("192.0.2.1", "alpha.test", "pass", 5L),
            tuple("198.51.100.7", "alpha.test", "reject", 3L),
            tuple("198.51.100.7", "sub.alpha.test", "quarantine", 2L));
        ReportXml.Row passing = ReportXml.rows(alpha).stream().filter(r -> r.count() == 5).findFirst().orElseThrow();
        assertThat(passing.dkim()).isEqualTo("pass");
        assertThat(passing.spf()).isEqualTo("pass");
        assertThat(passing.dkimResults()).containsExactly("alpha.test/s1=pass");
        assertThat(passing.spfResult()).isEqualTo("alpha.test=pass");
        assertThat(passing.envelopeFrom()).isEqualTo("alpha.test");
        assertThat(passing.envelopeTo()).isEqualTo("receiver.test");

        Document beta = ReportXml.parse(ReportXml.gunzip(only("beta.test", "agg@reports.example").gzip()));
        assertThat(ReportXml.text(beta, "testing")).isEqualTo("y");
        assertThat(ReportXml.rows(beta)).extracting(ReportXml.Row::sourceIp, ReportXml.Row::disposition,
            ReportXml.Row::reasonType, ReportXml.Row::count).containsExactlyInAnyOrder(
            tuple("203.0.113.5", "none", "policy_test_mode", 4L),
            tuple("2001:db8::25", "pass", null, 1L));

        Document gamma = ReportXml.parse(ReportXml.gunzip(only("gamma.test", "big@gamma.test").gzip()));
        assertThat(ReportXml.rows(gamma)).hasSize(200).allSatisfy(r -> assertThat(r.count()).isEqualTo(1));
    }

    private Sent only(String domain, String address) {
        List<Sent> matching = sent.stream().filter(s -> s.report().policyDomain().equals(domain)
            && s.destination().address().equals(address)).toList();
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }

    /** Evaluations of mail in the session at midnight, or of a node whose clock runs behind, still count. */
    @Test
    void aDaysReportWaitsAQuarterOfAnHourAfterTheDayEnds() throws Exception {
        feedTheDay();

        List<AggregateReportRun.Delivery> early = run(DAY.plus(Duration.ofHours(24).plusMinutes(14)), capture()).run();
        assertThat(early).isNotEmpty().noneMatch(d -> d.periodBegin().equals(DAY)); // the day before went

        List<AggregateReportRun.Delivery> settled = run(DAY.plus(Duration.ofHours(24)).plus(AggregateReportRun.SETTLE),
            capture()).run();
        assertThat(settled).isNotEmpty().allMatch(d -> d.periodBegin().equals(DAY));
        assertThat(settled.stream().filter(d -> d.status() == AggregateReportRun.Status.SENT)).hasSize(4);
    }

    @Test
    void aSecondRunTheSameDaySendsNothing() throws Exception {
        feedTheDay();
        Instant firstRun = DAY.plus(Duration.ofHours(24).plusMinutes(30));
        run(firstRun, capture()).run();
        int first = sent.size();

        List<AggregateReportRun.Delivery> again = run(firstRun.plus(Duration.ofHours(5)), capture()).run();

        assertThat(first).isEqualTo(4);
        assertThat(sent).hasSize(first);
        assertThat(again).noneMatch(d -> d.status() == AggregateReportRun.Status.SENT);
    }

    @Test
    void twoNodesRunningAtOnceSendEachReportOnce() throws Exception {
        feedTheDay();
        DmarcReportStore second = openSecondNode();
        Instant now = DAY.plus(Duration.ofHours(24).plusMinutes(30));
        List<Sent> all = java.util.Collections.synchronizedList(new ArrayList<>());
        ReportTransport slow = (report, gzip, destination) -> {
            Thread.sleep(20);
            all.add(new Sent(report, gzip, destination));
        };
        java.util.concurrent.ExecutorService nodes = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = nodes.submit(() -> run(store, now, slow).run());
            var b = nodes.submit(() -> run(second, now, slow).run());
            a.get(60, java.util.concurrent.TimeUnit.SECONDS);
            b.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            nodes.shutdownNow();
        }

        assertThat(all).extracting(s -> s.report().policyDomain() + " " + s.destination().address())
            .containsExactlyInAnyOrder("alpha.test dmarc@alpha.test", "alpha.test agg@reports.example",
                "beta.test agg@reports.example", "gamma.test big@gamma.test");
    }

    @Test
    void aFailedSendingIsTriedAgainOnTheNextRunAndOnlyThere() throws Exception {
        feedTheDay();
        Instant firstRun = DAY.plus(Duration.ofHours(24).plusMinutes(30));
        List<AggregateReportRun.Delivery> failed = run(firstRun, (report, gzip, destination) -> {
            if (destination.address().equals("dmarc@alpha.test")) {
                throw new java.io.IOException("spool refused");
            }
            sent.add(new Sent(report, gzip, destination));
        }).run();
        assertThat(failed).filteredOn(d -> d.status() == AggregateReportRun.Status.FAILED)
            .extracting(AggregateReportRun.Delivery::destination).containsExactly("mailto:dmarc@alpha.test");

        sent.clear();
        run(firstRun.plus(Duration.ofHours(1)), capture()).run();

        assertThat(sent).extracting(s -> s.destination().address()).containsExactly("dmarc@alpha.test");
    }

    @Test
    void aDnsFailureVerifyingAnExternalDestinationIsTemporaryAndRetried() throws Exception {
        feedTheDay();
        dns.inject("alpha.test._report._dmarc.reports.example", "TXT", TestDnsServer.Fault.SERVFAIL);
        Instant firstRun = DAY.plus(Duration.ofHours(24).plusMinutes(30));
        List<AggregateReportRun.Delivery> first = run(firstRun, capture()).run();
        assertThat(first).filteredOn(d -> d.policyDomain().equals("alpha.test")
            && d.destination().equals("mailto:agg@reports.example"))
            .extracting(AggregateReportRun.Delivery::status).containsExactly(AggregateReportRun.Status.TEMPORARY);

        dns.removeFault("alpha.test._report._dmarc.reports.example", "TXT");
        client.clearCache();
        sent.clear();
        run(firstRun.plus(Duration.ofHours(1)), capture()).run();

        assertThat(sent).extracting(s -> s.report().policyDomain() + " " + s.destination().address())
            .containsExactly("alpha.test agg@reports.example");
    }

    @Test
    void theVerifyingRecordMayRedirectOnItsOwnHostButNotElsewhere() throws Exception {
        dns.addTxt("alpha.test._report._dmarc.elsewhere.example", "v=DMARC1; rua=mailto:other@third.example");
        dns.addTxt("beta.test._report._dmarc.own.example", "v=DMARC1; rua=mailto:inbox@own.example");
        DestinationVerifier verifier = new DestinationVerifier(client, Duration.ofSeconds(3));

        DestinationVerifier.Verification elsewhere = verifier.verify("alpha.test",
            ReportDestination.parse("mailto:r@elsewhere.example").orElseThrow()).join();
        DestinationVerifier.Verification own = verifier.verify("beta.test",
            ReportDestination.parse("mailto:r@own.example").orElseThrow()).join();
        DestinationVerifier.Verification sameOrg = verifier.verify("mail.alpha.test",
            ReportDestination.parse("mailto:r@reports.alpha.test").orElseThrow()).join();

        assertThat(elsewhere.outcome()).isEqualTo(DestinationVerifier.Outcome.REFUSED);
        assertThat(own.outcome()).isEqualTo(DestinationVerifier.Outcome.AUTHORIZED);
        assertThat(own.destinations()).extracting(ReportDestination::address).containsExactly("inbox@own.example");
        assertThat(sameOrg.outcome()).isEqualTo(DestinationVerifier.Outcome.AUTHORIZED);
        assertThat(dns.queries("mail.alpha.test._report._dmarc.reports.alpha.test", "TXT")).isZero();
    }

    @Test
    void anEvaluationReadBackFromItsJsonLineIsTheSameEvaluation() throws Exception {
        DmarcEvaluationRecord record = evaluate(DAY, "198.51.100.7", "b@sub.alpha.test", "x@spoof.example",
            SpfVerdict.FAIL, dkim(DkimVerdict.PASS, "other.test", "k"), dkim(DkimVerdict.PASS, "alpha.test", "s2"));

        assertThat(Evaluation.fromJson(record.toJson())).isEqualTo(Evaluation.of(record));
        assertThat(Evaluation.of(record).orElseThrow().row().dkim()).extracting(ReportRow.DkimAuth::domain)
            .containsExactly("alpha.test", "other.test");
    }

    @Test
    void aLineWithoutPublishedPolicyIsNotReportable() {
        String older = "{\"time\":\"2026-11-23T00:00:00Z\",\"source_ip\":\"192.0.2.1\",\"header_from\":\"example.test\","
            + "\"policy_domain\":\"example.test\",\"result\":\"pass\",\"policy\":\"reject\",\"disposition\":\"none\","
            + "\"testing\":false,\"spf_aligned\":true,\"dkim_aligned_domain\":\"\",\"spf\":{\"domain\":\"example.test\","
            + "\"result\":\"pass\"},\"dkim\":[],\"reason\":\"\"}";

        assertThat(Evaluation.fromJson(older)).isEmpty();
    }

    static Map<String, Long> countsBySource(Document document) {
        return ReportXml.rows(document).stream().collect(Collectors.groupingBy(ReportXml.Row::sourceIp,
            Collectors.summingLong(ReportXml.Row::count)));
    }

    static <T> Function<T, T> same() {
        return t -> t;
    }
}
