package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.spf.SpfVerdict;

class DmarcEvaluatorTest {

    private TestDnsServer dns;
    private DnsClient client;
    private DmarcEvaluator evaluator;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(1));
        evaluator = new DmarcEvaluator(client, DmarcOptions.defaults());
    }

    @AfterEach
    void stop() {
        client.close();
        dns.close();
    }

    private static DkimResult dkim(DkimVerdict verdict, String domain) {
        return new DkimResult(verdict, domain, "sel", "rsa-sha256", "@" + domain, "abcdefgh", "", false, false);
    }

    private static AuthenticatedIdentifiers spf(SpfVerdict verdict, String domain, DkimResult... signatures) {
        return new AuthenticatedIdentifiers(domain, verdict, List.of(signatures));
    }

    private DmarcResult check(String from, AuthenticatedIdentifiers ids) {
        return check(List.of(" " + from), ids);
    }

    private DmarcResult check(List<String> fromFields, AuthenticatedIdentifiers ids) {
        return evaluator.evaluate(fromFields, ids).join();
    }

    @Test
    void policyAtTheAuthorDomainWithAlignedDkimPasses() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");

        DmarcResult result = check("Alice <alice@example.test>",
            spf(SpfVerdict.FAIL, "bounce.other.test", dkim(DkimVerdict.PASS, "example.test")));

        assertThat(result.verdict()).as(result.reason()).isEqualTo(DmarcVerdict.PASS);
        assertThat(result.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(result.policyDomain()).isEqualTo("example.test");
        assertThat(result.dkimDomain()).isEqualTo("example.test");
        assertThat(result.spfAligned()).isFalse();
    }

    @Test
    void failWithoutAlignedIdentifierGivesThePolicyAsDisposition() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:r@example.test");

        DmarcResult result = check("alice@example.test",
            spf(SpfVerdict.PASS, "other.test", dkim(DkimVerdict.PASS, "other.test"), dkim(DkimVerdict.FAIL, "example.test")));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(result.reason()).contains("no aligned identifier");
    }

    @Test
    void noRecordAnywhereIsNone() {
        DmarcResult result = check("alice@mail.example.test", spf(SpfVerdict.PASS, "mail.example.test"));

        assertThat(result.verdict()).as(result.reason()).isEqualTo(DmarcVerdict.NONE);
        assertThat(result.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(result.policyDomain()).isEmpty();
        assertThat(result.headerFrom()).isEqualTo("mail.example.test");
    }

    @Test
    void policyAtTheOrganizationalDomainUsesSpForSubdomains() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=none; sp=quarantine");
        dns.add("mail.example.test. 300 IN A 192.0.2.1");

        DmarcResult result = check("alice@mail.example.test", spf(SpfVerdict.FAIL, "mail.example.test"));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.policyDomain()).isEqualTo("example.test");
        assertThat(result.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void relaxedSpfAlignmentAcceptsTheParentAndSiblingSubdomains() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");

        assertThat(check("a@news.example.test", spf(SpfVerdict.PASS, "example.test")).verdict())
            .isEqualTo(DmarcVerdict.PASS);
        DmarcResult sibling = check("a@news.example.test", spf(SpfVerdict.PASS, "bounces.example.test"));
        assertThat(sibling.verdict()).as(sibling.reason()).isEqualTo(DmarcVerdict.PASS);
        assertThat(sibling.spfAligned()).isTrue();
    }

    @Test
    void strictAlignmentNeedsTheSameDomain() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject; aspf=s; adkim=s");

        assertThat(check("a@example.test", spf(SpfVerdict.PASS, "bounces.example.test",
            dkim(DkimVerdict.PASS, "mail.example.test"))).verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(check("a@example.test", spf(SpfVerdict.PASS, "EXAMPLE.test.")).verdict())
            .isEqualTo(DmarcVerdict.PASS);
    }

    @Test
    void siblingWithItsOwnPsdNRecordIsItsOwnOrganization() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.tenant.example.test", "v=DMARC1; p=reject; psd=n");

        // tenant.example.test is its own Organizational Domain: example.test does not align with it
        DmarcResult result = check("a@tenant.example.test", spf(SpfVerdict.PASS, "example.test"));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
    }

    @Test
    void psdYMakesTheLabelBelowTheOrganizationalDomain() {
        dns.addTxt("_dmarc.test", "v=DMARC1; p=reject; psd=y");
        dns.add("example.test. 300 IN A 192.0.2.1");

        DmarcResult unaligned = check("a@example.test", spf(SpfVerdict.PASS, "other.test"));
        assertThat(unaligned.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(unaligned.policyDomain()).isEqualTo("test");
        assertThat(unaligned.disposition()).isEqualTo(DmarcPolicy.REJECT);

        // example.test and mail.example.test share the Organizational Domain example.test, not test
        assertThat(check("a@mail.example.test", spf(SpfVerdict.PASS, "example.test")).verdict())
            .isEqualTo(DmarcVerdict.PASS);
        assertThat(check("a@example.test", spf(SpfVerdict.PASS, "mail.example.test")).verdict())
            .isEqualTo(DmarcVerdict.PASS);
    }

    @Test
    void withoutPsdTheRecordWithFewestLabelsIsTheOrganizationalDomain() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.b.example.test", "v=DMARC1; p=reject");

        // both a.b and c.example.test have Organizational Domain example.test
        DmarcResult result = check("x@a.b.example.test", spf(SpfVerdict.PASS, "c.example.test"));

        assertThat(result.verdict()).as(result.reason()).isEqualTo(DmarcVerdict.PASS);
        // the policy is the Organizational Domain's, not that of the first record met on the way up
        assertThat(result.policyDomain()).isEqualTo("example.test");
    }

    @Test
    void aRecordOnTheWayUpDoesNotSetThePolicyOfTheOrganizationalDomainsSubdomains() {
        dns.addTxt("_dmarc.example.com", "v=DMARC1; p=quarantine; sp=reject");
        dns.addTxt("_dmarc.dept.example.com", "v=DMARC1; p=none");
        dns.add("team.dept.example.com. 300 IN A 192.0.2.1");

        DmarcResult result = check("a@team.dept.example.com", spf(SpfVerdict.PASS, "other.test"));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.policyDomain()).isEqualTo("example.com");
        assertThat(result.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.REJECT);
        // its own record still applies to dept.example.com itself
        assertThat(check("a@dept.example.com", AuthenticatedIdentifiers.nothing()).policyDomain())
            .isEqualTo("dept.example.com");
        // RFC 7489 mode finds the same by the Public Suffix List
        DmarcEvaluator legacy = new DmarcEvaluator(client, DmarcOptions.defaults().withMode(DmarcOptions.Mode.RFC7489));
        assertThat(legacy.evaluate(List.of("a@team.dept.example.com"), AuthenticatedIdentifiers.nothing()).join()
            .policyDomain()).isEqualTo("example.com");
    }

    @Test
    void theOnlyRecordOnTheWayUpIsTheOrganizationalDomain() {
        dns.addTxt("_dmarc.dept.example.test", "v=DMARC1; p=none; sp=quarantine");
        dns.add("team.dept.example.test. 300 IN A 192.0.2.1");

        DmarcResult result = check("a@team.dept.example.test", AuthenticatedIdentifiers.nothing());

        assertThat(result.policyDomain()).isEqualTo("dept.example.test");
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void psdNStopsTheWalkAndMakesItsDomainTheOrganizationalDomain() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.dept.example.test", "v=DMARC1; p=reject; psd=n");
        dns.add("team.dept.example.test. 300 IN A 192.0.2.1");

        DmarcResult result = check("a@team.dept.example.test", AuthenticatedIdentifiers.nothing());

        assertThat(result.policyDomain()).isEqualTo("dept.example.test");
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.queries("_dmarc.test", "TXT")).as("asked, concurrently, but not read past psd=n").isOne();
    }

    @Test
    void withoutARecordAtTheOrganizationalDomainThePublicSuffixDomainsRecordApplies() {
        dns.addTxt("_dmarc.test", "v=DMARC1; p=none; sp=reject; psd=y");
        dns.addTxt("_dmarc.dept.example.test", "v=DMARC1; p=none");
        dns.add("team.dept.example.test. 300 IN A 192.0.2.1");

        // the Organizational Domain is example.test (one label below the PSD); it has no record
        DmarcResult result = check("a@team.dept.example.test", AuthenticatedIdentifiers.nothing());

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.policyDomain()).isEqualTo("test");
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void aRecordWithoutAValidPolicyAppliesNoneUnlessItHasAValidRua() {
        dns.addTxt("_dmarc.bogus.test", "v=DMARC1; p=bogus");
        dns.addTxt("_dmarc.missing.test", "v=DMARC1; adkim=s");
        dns.addTxt("_dmarc.badrua.test", "v=DMARC1; rua=not a uri");
        dns.addTxt("_dmarc.reported.test", "v=DMARC1; p=bogus; rua=mailto:dmarc@reported.test");

        for (String domain : List.of("bogus.test", "missing.test", "badrua.test")) {
            DmarcResult result = check("a@" + domain, AuthenticatedIdentifiers.nothing());
            assertThat(result.verdict()).as(domain).isEqualTo(DmarcVerdict.NONE);
            assertThat(result.disposition()).as(domain).isEqualTo(DmarcPolicy.NONE);
            assertThat(result.reason()).as(domain).contains("no valid p");
        }
        DmarcResult monitored = check("a@reported.test", AuthenticatedIdentifiers.nothing());
        assertThat(monitored.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(monitored.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(monitored.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(monitored.reason()).contains("p read as none");
    }

    @Test
    void anInvalidSpOrNpMakesTheRecordMonitoringOnlyOrNothing() {
        dns.addTxt("_dmarc.sp.test", "v=DMARC1; p=reject; sp=bogus");
        dns.addTxt("_dmarc.np.test", "v=DMARC1; p=reject; np=bogus");
        dns.addTxt("_dmarc.rua.test", "v=DMARC1; p=reject; sp=bogus; rua=mailto:r@rua.test!10m");

        assertThat(check("a@sp.test", AuthenticatedIdentifiers.nothing()).verdict()).isEqualTo(DmarcVerdict.NONE);
        assertThat(check("a@np.test", AuthenticatedIdentifiers.nothing()).verdict()).isEqualTo(DmarcVerdict.NONE);
        assertThat(check("a@rua.test", AuthenticatedIdentifiers.nothing()).disposition()).isEqualTo(DmarcPolicy.NONE);
        // RFC 7489 has no np: an invalid one changes nothing there
        DmarcEvaluator legacy = new DmarcEvaluator(client, DmarcOptions.defaults().withMode(DmarcOptions.Mode.RFC7489));
        assertThat(legacy.evaluate(List.of("a@np.test"), AuthenticatedIdentifiers.nothing()).join().disposition())
            .isEqualTo(DmarcPolicy.REJECT);
        assertThat(legacy.evaluate(List.of("a@sp.test"), AuthenticatedIdentifiers.nothing()).join().verdict())
            .isEqualTo(DmarcVerdict.NONE);
    }

    @Test
    void npAppliesToNonExistentSubdomains() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=quarantine; sp=none; np=reject");
        dns.add("real.example.test. 300 IN MX 10 mx.example.test.");

        DmarcResult ghost = check("a@ghost.example.test", AuthenticatedIdentifiers.nothing());
        assertThat(ghost.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(ghost.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(ghost.reason()).contains("does not exist");

        DmarcResult real = check("a@real.example.test", AuthenticatedIdentifiers.nothing());
        assertThat(real.policy()).isEqualTo(DmarcPolicy.NONE);

        DmarcResult top = check("a@example.test", AuthenticatedIdentifiers.nothing());
        assertThat(top.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void testingLowersEnforcementOneStep() {
        dns.addTxt("_dmarc.reject.test", "v=DMARC1; p=reject; t=y");
        dns.addTxt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine; t=y");

        DmarcResult reject = check("a@reject.test", AuthenticatedIdentifiers.nothing());
        assertThat(reject.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(reject.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(reject.testing()).isTrue();
        assertThat(check("a@quarantine.test", AuthenticatedIdentifiers.nothing()).disposition())
            .isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void pctIsIgnored() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject; pct=0");

        assertThat(check("a@example.test", AuthenticatedIdentifiers.nothing()).disposition())
            .isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void moreThanEightLabelsJumpsToSevenAndAsksAtMostEightNames() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        String deep = "a.b.c.d.e.f.g.h.i.example.test";

        assertThat(evaluator.walkNames(deep)).hasSize(8)
            .startsWith(deep, "e.f.g.h.i.example.test")
            .endsWith("example.test", "test");
        DmarcResult result = check("x@" + deep, spf(SpfVerdict.PASS, "example.test"));
        assertThat(result.verdict()).as(result.reason()).isEqualTo(DmarcVerdict.PASS);
        assertThat(dns.queries("_dmarc.b.c.d.e.f.g.h.i.example.test", "TXT")).isZero();
        assertThat(dns.queries("_dmarc.d.e.f.g.h.i.example.test", "TXT")).isZero();
        assertThat(dns.queries("_dmarc.e.f.g.h.i.example.test", "TXT")).isEqualTo(1);
    }

    @Test
    void anExactMatchNeedsOnlyTheAuthorDomainsOwnName() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");

        assertThat(check("a@example.test", spf(SpfVerdict.PASS, "example.test")).verdict()).isEqualTo(DmarcVerdict.PASS);
        assertThat(dns.queries("_dmarc.test", "TXT")).isZero();
    }

    @Test
    void everyAlignedIdentifierIsReportedNotOnlyTheFirst() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");

        DmarcResult result = check("a@example.test", spf(SpfVerdict.PASS, "bounce.example.test",
            dkim(DkimVerdict.PASS, "example.test")));

        assertThat(result.spfAligned()).isTrue();
        assertThat(result.dkimDomain()).isEqualTo("example.test");
    }

    @Test
    void dnsFailureAtThePolicyIsTemperror() {
        dns.inject("_dmarc.example.test", "TXT", TestDnsServer.Fault.SERVFAIL);

        DmarcResult result = check("a@example.test", spf(SpfVerdict.PASS, "other.test"));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.TEMPERROR);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(result.reason()).contains("_dmarc.example.test");
    }

    @Test
    void dnsFailureAboveTheAuthorLeavesRelaxedAlignmentUndecided() {
        dns.addTxt("_dmarc.mail.example.test", "v=DMARC1; p=reject");
        dns.inject("_dmarc.test", "TXT", TestDnsServer.Fault.SERVFAIL);

        assertThat(check("a@mail.example.test", spf(SpfVerdict.PASS, "example.test")).verdict())
            .isEqualTo(DmarcVerdict.TEMPERROR);
        // an exact match needs no Organizational Domain
        assertThat(check("a@mail.example.test", spf(SpfVerdict.PASS, "mail.example.test")).verdict())
            .isEqualTo(DmarcVerdict.PASS);
    }

    @Test
    void timeoutIsTemperror() {
        dns.inject("_dmarc.example.test", "TXT", TestDnsServer.Fault.TIMEOUT);

        assertThat(check("a@example.test", AuthenticatedIdentifiers.nothing()).verdict())
            .isEqualTo(DmarcVerdict.TEMPERROR);
    }

    @Test
    void twoRecordsAtOneNameCountAsNone() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.example.test", "unrelated text");

        assertThat(check("a@example.test", AuthenticatedIdentifiers.nothing()).verdict()).isEqualTo(DmarcVerdict.NONE);
    }

    @Test
    void dkimWithUnsignedContentDoesNotCount() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        DkimResult partial = new DkimResult(DkimVerdict.PASS, "example.test", "sel", "rsa-sha256", "@example.test",
            "abcdefgh", "", true, false);

        assertThat(check("a@example.test", spf(SpfVerdict.NONE, "", partial)).verdict()).isEqualTo(DmarcVerdict.FAIL);
    }

    @Test
    void spfPassOnlyCounts() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");

        assertThat(check("a@example.test", spf(SpfVerdict.SOFTFAIL, "example.test")).verdict())
            .isEqualTo(DmarcVerdict.FAIL);
    }

    @Test
    void twoFromFieldsNeverPass() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");

        DmarcResult same = check(List.of(" a@example.test", " b@example.test"),
            spf(SpfVerdict.PASS, "example.test"));
        assertThat(same.verdict()).isEqualTo(DmarcVerdict.PERMERROR);
        assertThat(same.reason()).contains("2 From fields");

        DmarcResult forged = check(List.of(" me@example.test", " service@bank.test"),
            spf(SpfVerdict.PASS, "example.test", dkim(DkimVerdict.PASS, "example.test")));
        assertThat(forged.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(forged.headerFrom()).isEqualTo("bank.test");
        assertThat(forged.disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void severalAddressesInOneFieldNeverPass() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=quarantine");
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");

        DmarcResult result = check("me@example.test, \"Bank\" <service@bank.test>", spf(SpfVerdict.PASS, "example.test"));

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.headerFrom()).isEqualTo("bank.test");
        assertThat(result.reason()).startsWith("2 addresses in From");

        DmarcResult group = check("friends: me@example.test, you@example.test;", spf(SpfVerdict.PASS, "example.test"));
        assertThat(group.verdict()).isEqualTo(DmarcVerdict.PERMERROR);
    }

    @Test
    void missingOrUnusableFromIsPermerrorWithTheConfiguredDisposition() {
        for (List<String> from : List.of(List.<String>of(), List.of(" undisclosed-recipients:;"), List.of(" a@[192.0.2.1]"),
            List.of(" nobody"), List.of(" =?utf-8?q?nobody?="))) {
            DmarcResult result = check(from, AuthenticatedIdentifiers.nothing());
            assertThat(result.verdict()).as(from.toString()).isEqualTo(DmarcVerdict.PERMERROR);
            assertThat(result.disposition()).as(from.toString()).isEqualTo(DmarcPolicy.REJECT);
        }
        assertThat(check("a@[192.0.2.1]", AuthenticatedIdentifiers.nothing()).reason()).contains("no valid domain");

        DmarcEvaluator lenient = new DmarcEvaluator(client,
            DmarcOptions.defaults().withUnusableFromDisposition(DmarcPolicy.QUARANTINE));
        assertThat(lenient.evaluate(List.of(" nobody"), AuthenticatedIdentifiers.nothing()).join().disposition())
            .isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void anAmbiguousFromGetsTheStrictestPolicyOfTheDomainsAReaderCouldSee() {
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.evil.test", "v=DMARC1; p=none");
        AuthenticatedIdentifiers attacker = spf(SpfVerdict.PASS, "evil.test", dkim(DkimVerdict.PASS, "evil.test"));

        for (String from : List.of("\"CEO\" <ceo@bank.test> <attacker@evil.test>", "ceo@bank.test: attacker@evil.test;",
            "=?utf-8?q?ceo=40bank.test?=", "=?utf-8?q?ceo=40bank.test?=@evil.test", "ceo@bank.test <x@evil.test>",
            "<ceo@bank.test")) {
            DmarcResult result = check(from, attacker);
            assertThat(result.verdict()).as(from).isEqualTo(DmarcVerdict.FAIL);
            assertThat(result.disposition()).as(from).isEqualTo(DmarcPolicy.REJECT);
            assertThat(result.headerFrom()).as(from).isEqualTo("bank.test");
        }
    }

    @Test
    void anAmbiguousFromIsNotExcusedByAuthenticatingEveryDomain() {
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        AuthenticatedIdentifiers replayed = spf(SpfVerdict.NONE, "", dkim(DkimVerdict.PASS, "bank.test"));

        assertThat(check("ceo@bank.test", replayed).verdict()).isEqualTo(DmarcVerdict.PASS);
        DmarcResult added = check(List.of(" ceo@bank.test", " news@bank.test"), replayed);
        assertThat(added.verdict()).isEqualTo(DmarcVerdict.PERMERROR);
        assertThat(added.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(added.reason()).contains("2 From fields", "never passes");
    }

    @Test
    void theStrictestAskOfAnAmbiguousFromHonoursTestingAndNonExistence() {
        dns.addTxt("_dmarc.testing.test", "v=DMARC1; p=reject; t=y");
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=none; sp=none; np=reject");
        dns.add("bank.test. 300 IN A 192.0.2.1");
        AuthenticatedIdentifiers bank = spf(SpfVerdict.PASS, "bank.test");

        assertThat(check("a@testing.test, b@other.test", AuthenticatedIdentifiers.nothing()).disposition())
            .isEqualTo(DmarcPolicy.QUARANTINE);
        // ghost.bank.test passes by relaxed alignment, but does not exist: np applies to a From that cannot pass
        assertThat(check("a@ghost.bank.test", bank).verdict()).isEqualTo(DmarcVerdict.PASS);
        assertThat(check("a@ghost.bank.test, b@bank.test", bank).disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void anAmbiguousFromWithAnUnusablePartGetsAtLeastTheConfiguredDisposition() {
        dns.addTxt("_dmarc.none.test", "v=DMARC1; p=none");

        assertThat(check("a@[192.0.2.1], b@none.test", AuthenticatedIdentifiers.nothing()).disposition())
            .isEqualTo(DmarcPolicy.REJECT);
        DmarcEvaluator lenient = new DmarcEvaluator(client,
            DmarcOptions.defaults().withUnusableFromDisposition(DmarcPolicy.NONE));
        assertThat(lenient.evaluate(List.of(" a@[192.0.2.1], b@none.test"), AuthenticatedIdentifiers.nothing()).join()
            .disposition()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void moreAuthorDomainsThanAreEvaluatedIsReject() {
        DmarcResult result = check("a@d1.test, a@d2.test, a@d3.test, a@d4.test, a@d5.test", AuthenticatedIdentifiers.nothing());

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.PERMERROR);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.queries("_dmarc.d5.test", "TXT")).isZero();
    }

    @Test
    void aDnsFailureForOneAuthorDoesNotHideAnothersPolicy() {
        dns.addTxt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine");
        dns.inject("_dmarc.down.test", "TXT", TestDnsServer.Fault.SERVFAIL);

        DmarcResult result = check(List.of(" a@quarantine.test", " b@down.test"), AuthenticatedIdentifiers.nothing());

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        DmarcResult undecided = check(List.of(" a@none.test", " b@down.test"), AuthenticatedIdentifiers.nothing());
        assertThat(undecided.verdict()).isEqualTo(DmarcVerdict.TEMPERROR);
    }

    @Test
    void legacyModeUsesThePublicSuffixList() {
        DmarcEvaluator legacy = new DmarcEvaluator(client, DmarcOptions.defaults().withMode(DmarcOptions.Mode.RFC7489));
        dns.addTxt("_dmarc.example.co.uk", "v=DMARC1; p=reject; sp=quarantine");
        dns.addTxt("_dmarc.co.uk", "v=DMARC1; p=none; psd=y");
        dns.add("mail.example.co.uk. 300 IN A 192.0.2.1");

        DmarcResult result = legacy.evaluate(List.of("a@mail.example.co.uk"),
            spf(SpfVerdict.PASS, "other.co.uk")).join();

        assertThat(result.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(result.policyDomain()).isEqualTo("example.co.uk");
        assertThat(result.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(legacy.walkNames("a.b.mail.example.co.uk")).containsExactly("a.b.mail.example.co.uk", "example.co.uk");
        assertThat(legacy.evaluate(List.of("a@mail.example.co.uk"), spf(SpfVerdict.PASS, "bounce.example.co.uk"))
            .join().verdict()).isEqualTo(DmarcVerdict.PASS);
        assertThat(dns.queries("_dmarc.co.uk", "TXT")).isZero();
    }

    @Test
    void legacyModeStopsAtSeveralRecordsAndHasNoTestingTag() {
        DmarcEvaluator legacy = new DmarcEvaluator(client, DmarcOptions.defaults().withMode(DmarcOptions.Mode.RFC7489));
        dns.addTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.mail.example.com", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.mail.example.com", "v=DMARC1; p=quarantine");
        dns.addTxt("_dmarc.testing.com", "v=DMARC1; p=reject; t=y");

        // RFC 7489 §6.6.3 ends discovery at several records; RFC 9989 discards them and walks on
        assertThat(legacy.evaluate(List.of("a@mail.example.com"), AuthenticatedIdentifiers.nothing()).join().verdict())
            .isEqualTo(DmarcVerdict.NONE);
        assertThat(check("a@mail.example.com", AuthenticatedIdentifiers.nothing()).disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(legacy.evaluate(List.of("a@testing.com"), AuthenticatedIdentifiers.nothing()).join().disposition())
            .isEqualTo(DmarcPolicy.REJECT);
        assertThat(check("a@testing.com", AuthenticatedIdentifiers.nothing()).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void legacyModeKeepsPrivateSuffixesAndUnderscores() {
        assertThat(PublicSuffixOrganizationalDomain.of("a.b.blogspot.com")).isEqualTo("b.blogspot.com");
        assertThat(PublicSuffixOrganizationalDomain.of("x._y.example.com")).isEqualTo("example.com");
        assertThat(PublicSuffixOrganizationalDomain.of("_bounce.example.com")).isEqualTo("example.com");
        assertThat(PublicSuffixOrganizationalDomain.of("com")).isEqualTo("com");
        assertThat(PublicSuffixOrganizationalDomain.of("example.invalidtld")).isEqualTo("example.invalidtld");
    }

    @Test
    void aMalformedHeaderSectionNeverPassesAndGetsThePolicyAsDisposition() {
        dns.addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.testing.test", "v=DMARC1; p=reject; t=y");
        AuthenticatedIdentifiers aligned = spf(SpfVerdict.PASS, "example.test", dkim(DkimVerdict.PASS, "example.test"));
        String problem = "bare CR in the header section";

        DmarcResult clean = evaluator.evaluate(List.of(" alice@example.test"), "",
            java.util.concurrent.CompletableFuture.completedFuture(aligned)).join();
        DmarcResult malformed = evaluator.evaluate(List.of(" alice@example.test"), problem,
            java.util.concurrent.CompletableFuture.completedFuture(aligned)).join();
        DmarcResult testing = evaluator.evaluate(List.of(" bob@testing.test"), problem,
            java.util.concurrent.CompletableFuture.completedFuture(spf(SpfVerdict.PASS, "testing.test"))).join();
        DmarcResult noRecord = evaluator.evaluate(List.of(" carol@norecord.test"), problem,
            java.util.concurrent.CompletableFuture.completedFuture(spf(SpfVerdict.PASS, "norecord.test"))).join();

        assertThat(clean.verdict()).isEqualTo(DmarcVerdict.PASS);
        assertThat(malformed.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(malformed.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(malformed.dkimDomain()).isEmpty();
        assertThat(malformed.spfAligned()).isFalse();
        assertThat(malformed.reason()).startsWith(problem + ": DMARC cannot pass");
        assertThat(testing.verdict()).isEqualTo(DmarcVerdict.FAIL);
        assertThat(testing.disposition()).as("t=y lowers reject one step").isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(noRecord.verdict()).isEqualTo(DmarcVerdict.NONE);
        assertThat(noRecord.reason()).startsWith(problem);
    }
}
