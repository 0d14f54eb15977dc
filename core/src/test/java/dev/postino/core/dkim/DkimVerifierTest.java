package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;

/** Verifier rules on freshly signed messages, one rule per test. */
class DkimVerifierTest {

    private static final String MESSAGE = "From: Joe <joe@example.test>\r\n"
        + "To: Ann <ann@example.net>\r\n"
        + "Subject: lunch\r\n"
        + "\r\n"
        + "Hi Ann,\r\n"
        + "\r\n"
        + "see you at noon.\r\n";
    private static final long NOW = 1_760_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    private static TestDnsServer server;
    private static DnsClient client;
    private static TestSigner rsa;
    private static TestSigner ed25519;

    @BeforeAll
    static void start() throws Exception {
        server = TestDnsServer.start();
        client = DkimCorpus.client(server);
        rsa = TestSigner.rsa(2048);
        ed25519 = TestSigner.ed25519();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @BeforeEach
    void publishKeys() {
        server.clear();
        server.addTxt("rsa._domainkey.example.test", rsa.keyRecord);
        server.addTxt("ed._domainkey.example.test", ed25519.keyRecord);
    }

    private static DkimOptions options() {
        return DkimOptions.defaults().withClock(CLOCK);
    }

    private static List<DkimResult> verify(String message, DkimOptions options) {
        return new DkimVerifier(client, options).verify(message.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static DkimResult verifyOne(String message) {
        return verifyOne(message, options());
    }

    private static DkimResult verifyOne(String message, DkimOptions options) {
        List<DkimResult> results = verify(message, options);
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    /** The message with one more header field at the bottom of the header section. */
    private static String withField(String message, String field) {
        int end = message.indexOf("\r\n\r\n");
        return message.substring(0, end) + "\r\n" + field + message.substring(end);
    }

    private static String rsaSigned(String tags) {
        return rsa.sign(MESSAGE, "d=example.test; s=rsa; " + tags);
    }

    @Test
    void rsaAndEd25519SignaturesPassInBothCanonicalizations() {
        for (String c : List.of("simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed")) {
            DkimResult r = verifyOne(rsaSigned("c=" + c + "; h=from:to:subject"));
            assertThat(r.verdict()).as(c).isEqualTo(DkimVerdict.PASS);
            assertThat(r.domain()).isEqualTo("example.test");
            assertThat(r.selector()).isEqualTo("rsa");
            assertThat(r.algorithm()).isEqualTo("rsa-sha256");
            assertThat(r.identity()).isEqualTo("@example.test");
            DkimResult e = verifyOne(ed25519.sign(MESSAGE, "d=example.test; s=ed; c=" + c + "; h=from:to:subject"));
            assertThat(e.verdict()).as(c).isEqualTo(DkimVerdict.PASS);
            assertThat(e.algorithm()).isEqualTo("ed25519-sha256");
        }
    }

    @Test
    void noSignatureGivesAnEmptyList() {
        assertThat(verify(MESSAGE, options())).isEmpty();
    }

    @Test
    void alteredBodyAndAlteredSignedHeaderFail() {
        String signed = rsaSigned("c=relaxed/relaxed; h=from:subject");
        DkimResult body = verifyOne(signed.replace("noon", "one"));
        assertThat(body.verdict()).isEqualTo(DkimVerdict.FAIL);
        assertThat(body.reason()).contains("body hash");
        DkimResult header = verifyOne(signed.replace("Subject: lunch", "Subject: dinner"));
        assertThat(header.verdict()).isEqualTo(DkimVerdict.FAIL);
        assertThat(header.reason()).contains("signature did not verify");
        assertThat(verifyOne(signed.replace("To: Ann", "To: Bob")).verdict()).as("To is not signed").isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void relaxedToleratesWhitespaceAndCaseChangesSimpleDoesNot() {
        String relaxed = rsaSigned("c=relaxed/relaxed; h=from:subject");
        String mangled = relaxed.replace("Subject: lunch", "SUBJECT:   lunch  ").replace("see you", "see \t you");
        assertThat(verifyOne(mangled).verdict()).isEqualTo(DkimVerdict.PASS);
        String simple = rsaSigned("c=simple/simple; h=from:subject");
        assertThat(verifyOne(simple.replace("Subject: lunch", "SUBJECT:   lunch  ")).verdict()).isEqualTo(DkimVerdict.FAIL);
        assertThat(verifyOne(simple + "\r\n\r\n").verdict()).as("trailing empty lines").isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void overSignedHeaderMakesAnAddedFieldFail() {
        String signed = rsaSigned("h=from:subject:subject");
        assertThat(verifyOne(signed).verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(verifyOne(withField(signed, "Subject: extra")).verdict()).isEqualTo(DkimVerdict.FAIL);
        String notOverSigned = rsaSigned("h=from:subject");
        assertThat(verifyOne(withField(notOverSigned, "X-Added: extra")).verdict())
            .isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void aSignatureCoveringFewerFromFieldsThanTheMessageHasIsPolicy() {
        String signed = rsaSigned("h=from:subject");
        // a replayed signature with the attacker's From added on top: the signed From still verifies
        DkimResult added = verifyOne("From: CEO <ceo@example.test>\r\n" + signed);
        assertThat(added.verdict()).isEqualTo(DkimVerdict.POLICY);
        assertThat(added.reason()).contains("1 of the 2 From fields");
        // added below, it is the one h= selects (bottom up), and the signature breaks
        assertThat(verifyOne(withField(signed, "From: ceo@example.test")).verdict()).isEqualTo(DkimVerdict.FAIL);
        // listing from as often as the message has From fields covers them all (RFC 6376 §8.15 over-signing)
        String twoFroms = rsa.sign("From: a@example.test\r\n" + MESSAGE, "d=example.test; s=rsa; h=from:from:subject");
        assertThat(verifyOne(twoFroms).verdict()).isEqualTo(DkimVerdict.PASS);
        // an over-signed From makes an added one break the signature instead
        String overSigned = rsaSigned("h=from:from:subject");
        assertThat(verifyOne(overSigned).verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(verifyOne("From: ceo@example.test\r\n" + overSigned).verdict()).isEqualTo(DkimVerdict.FAIL);
    }

    @Test
    void repeatedFieldsAreSelectedFromTheBottomUp() {
        String twoReceived = "Received: first\r\nReceived: second\r\n" + MESSAGE;
        String signed = rsa.sign(twoReceived, "d=example.test; s=rsa; h=from:received");
        assertThat(verifyOne(signed).verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(verifyOne(signed.replace("Received: first", "Received: changed")).verdict())
            .as("the top Received is not signed").isEqualTo(DkimVerdict.PASS);
        assertThat(verifyOne(signed.replace("Received: second", "Received: changed")).verdict())
            .isEqualTo(DkimVerdict.FAIL);
    }

    @Test
    void fromMustBeSigned() {
        DkimResult r = verifyOne(rsaSigned("h=to:subject"));
        assertThat(r.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(r.reason()).contains("From");
    }

    @Test
    void identityMustBeWithinTheSigningDomain() {
        assertThat(verifyOne(rsaSigned("h=from; i=joe@mail.example.test")).verdict()).isEqualTo(DkimVerdict.PASS);
        DkimResult outside = verifyOne(rsaSigned("h=from; i=joe@example.org"));
        assertThat(outside.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(outside.reason()).contains("not within");
        assertThat(verifyOne(rsaSigned("h=from; i=joe@badexample.test")).verdict()).isEqualTo(DkimVerdict.PERMERROR);
    }

    @Test
    void expiryAndFutureTimestampHonourTheClockSkew() {
        DkimOptions skew = options().withClockSkew(Duration.ofSeconds(60));
        assertThat(verifyOne(rsaSigned("h=from; t=" + (NOW - 100) + "; x=" + (NOW - 30)), skew).verdict())
            .isEqualTo(DkimVerdict.PASS);
        DkimResult expired = verifyOne(rsaSigned("h=from; t=" + (NOW - 100) + "; x=" + (NOW - 61)), skew);
        assertThat(expired.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(expired.reason()).contains("expired");
        assertThat(verifyOne(rsaSigned("h=from; t=" + (NOW + 30)), skew).verdict()).isEqualTo(DkimVerdict.PASS);
        DkimResult future = verifyOne(rsaSigned("h=from; t=" + (NOW + 61)), skew);
        assertThat(future.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(future.reason()).contains("future");
        assertThat(verifyOne(rsaSigned("h=from; t=" + (NOW - 10) + "; x=" + (NOW - 20)), skew).verdict())
            .isEqualTo(DkimVerdict.PERMERROR);
    }

    @Test
    void bodyLengthLimitIsVerifiedAndReportedOrRefusedAsConfigured() {
        String signed = rsaSigned("h=from; l=10");
        String appended = signed + "-- \r\nappended by a list\r\n";
        DkimResult exact = verifyOne(signed);
        assertThat(exact.verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(exact.unsignedContent()).isTrue(); // the body is longer than 10 octets
        DkimResult reported = verifyOne(appended);
        assertThat(reported.verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(reported.unsignedContent()).isTrue();
        assertThat(reported.reason()).contains("unsigned");
        assertThat(verifyOne(appended, options().withBodyLength(DkimOptions.BodyLengthPolicy.POLICY)).verdict())
            .isEqualTo(DkimVerdict.POLICY);
        assertThat(verifyOne(appended, options().withBodyLength(DkimOptions.BodyLengthPolicy.FAIL)).verdict())
            .isEqualTo(DkimVerdict.FAIL);
        assertThat(verifyOne(signed.replace("Hi Ann", "Hi Bob")).verdict()).as("inside l=").isEqualTo(DkimVerdict.FAIL);
        DkimResult whole = verifyOne(rsaSigned("h=from"));
        assertThat(whole.unsignedContent()).isFalse();
    }

    @Test
    void bodyLengthLongerThanTheBodyFails() {
        String signed = rsaSigned("h=from; l=10");
        DkimResult r = verifyOne(signed.substring(0, signed.indexOf("Hi Ann") + 3));
        assertThat(r.verdict()).isEqualTo(DkimVerdict.FAIL);
    }

    @Test
    void rsaSha1FollowsItsPolicy() {
        String signed = rsa.withAlgorithm("rsa-sha1").sign(MESSAGE, "d=example.test; s=rsa; h=from");
        assertThat(verifyOne(signed).verdict()).isEqualTo(DkimVerdict.FAIL);
        assertThat(verifyOne(signed).reason()).contains("rsa-sha1");
        assertThat(verifyOne(signed, options().withRsaSha1(DkimOptions.RsaSha1Policy.PERMERROR)).verdict())
            .isEqualTo(DkimVerdict.PERMERROR);
        assertThat(verifyOne(signed, options().withRsaSha1(DkimOptions.RsaSha1Policy.POLICY)).verdict())
            .isEqualTo(DkimVerdict.POLICY);
        assertThat(verifyOne(signed, options().withRsaSha1(DkimOptions.RsaSha1Policy.VERIFY)).verdict())
            .isEqualTo(DkimVerdict.PASS);
        assertThat(server.queries("rsa._domainkey.example.test", "TXT")).as("refused before the key lookup").isEqualTo(1);
    }

    @Test
    void shortRsaKeysAreRefusedUnlessTheMinimumIsLowered() {
        TestSigner weak = TestSigner.rsa(768);
        server.addTxt("weak._domainkey.example.test", weak.keyRecord);
        String signed = weak.sign(MESSAGE, "d=example.test; s=weak; h=from");
        DkimResult r = verifyOne(signed);
        assertThat(r.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(r.reason()).contains("768");
        assertThat(verifyOne(signed, options().withMinRsaKeyBits(768)).verdict()).isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void keyRecordRules() {
        String p = rsa.keyRecord.substring(rsa.keyRecord.indexOf("p="));
        record Case(String record, DkimVerdict verdict, String reason) {
        }
        List<Case> cases = List.of(
            new Case("v=DKIM1; p=", DkimVerdict.FAIL, "revoked"),
            new Case("v=DKIM2; " + p, DkimVerdict.PERMERROR, "DKIM1"),
            new Case("k=ed25519; " + p, DkimVerdict.PERMERROR, "does not match"),
            new Case("k=dsa; " + p, DkimVerdict.PERMERROR, "unsupported key type"),
            new Case("h=sha1; " + p, DkimVerdict.PERMERROR, "h="),
            new Case("s=chat; " + p, DkimVerdict.PERMERROR, "s="),
            new Case("t=s; " + p, DkimVerdict.PERMERROR, "t=s"),
            new Case("k=rsa; t; " + p, DkimVerdict.PERMERROR, "syntax"),
            new Case("k=rsa", DkimVerdict.PERMERROR, "no p="),
            new Case("p=bm90IGEga2V5", DkimVerdict.PERMERROR, "not an RSA public key"),
            new Case("s=email:*; h=sha1:sha256; future=tag; " + p, DkimVerdict.PASS, "verified"));
        for (Case c : cases) {
            server.clear();
            server.addTxt("rsa._domainkey.example.test", c.record);
            DkimResult r = verifyOne(rsaSigned("h=from; i=joe@sub.example.test"));
            assertThat(r.verdict()).as(c.record).isEqualTo(c.verdict);
            assertThat(r.reason()).as(c.record).contains(c.reason);
        }
    }

    @Test
    void testingFlagIsReported() {
        server.clear();
        server.addTxt("rsa._domainkey.example.test", "t=y; " + rsa.keyRecord);
        DkimResult r = verifyOne(rsaSigned("h=from"));
        assertThat(r.verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(r.testing()).isTrue();
        publishKeys();
        assertThat(verifyOne(rsaSigned("h=from")).testing()).isFalse();
    }

    @Test
    void dnsFailuresAreTemporaryAndMissingKeysPermanent() {
        server.inject("rsa._domainkey.example.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        assertThat(verifyOne(rsaSigned("h=from")).verdict()).isEqualTo(DkimVerdict.TEMPERROR);
        server.inject("rsa._domainkey.example.test", "TXT", TestDnsServer.Fault.TIMEOUT);
        assertThat(verifyOne(rsaSigned("h=from")).verdict()).isEqualTo(DkimVerdict.TEMPERROR);
        DkimResult missing = verifyOne(rsa.sign(MESSAGE, "d=example.test; s=gone; h=from"));
        assertThat(missing.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(missing.reason()).contains("no key record");
        server.addTxt("other._domainkey.example.test", "v=spf1 -all");
        server.add("nodata._domainkey.example.test. 300 IN A 192.0.2.1");
        assertThat(verifyOne(rsa.sign(MESSAGE, "d=example.test; s=nodata; h=from")).verdict()).isEqualTo(DkimVerdict.PERMERROR);
    }

    @Test
    void signaturesOverTheLimitAreNeutralAndNotLookedUp() {
        String message = MESSAGE;
        for (int i = 0; i < 4; i++) {
            message = rsa.sign(message, "d=example.test; s=rsa; h=from; t=" + (NOW - i));
        }
        List<DkimResult> results = verify(message, options().withMaxSignatures(2));
        assertThat(results).extracting(DkimResult::verdict)
            .containsExactly(DkimVerdict.PASS, DkimVerdict.PASS, DkimVerdict.NEUTRAL, DkimVerdict.NEUTRAL);
        assertThat(server.queries("rsa._domainkey.example.test", "TXT")).isLessThanOrEqualTo(2);
    }

    @Test
    void headerBIsAtLeastEightCharactersAndTellsSignaturesApart() {
        String message = rsa.sign(ed25519.sign(MESSAGE, "d=example.test; s=ed; h=from"), "d=example.test; s=rsa; h=from");
        List<DkimResult> results = verify(message, options());
        assertThat(results).hasSize(2);
        for (DkimResult r : results) {
            assertThat(r.headerB()).hasSizeGreaterThanOrEqualTo(8);
            assertThat(message.replaceAll("\\s", "")).contains("b=" + r.headerB());
        }
        assertThat(results.get(0).headerB()).isNotEqualTo(results.get(1).headerB());
    }

    @Test
    void bareLfMessagesVerifyWhenAccepted() {
        String signed = rsaSigned("c=simple/simple; h=from:subject");
        String lf = signed.replace("\r\n", "\n");
        assertThat(verifyOne(lf).verdict()).isEqualTo(DkimVerdict.PASS);
        assertThat(verifyOne(lf, options().withAcceptBareLf(false)).verdict()).isEqualTo(DkimVerdict.FAIL);
    }

    @Test
    void unknownSignatureTagsAreIgnored() {
        assertThat(verifyOne(rsaSigned("h=from; zz=whatever; z=From:joe")).verdict()).isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void foldedSignatureFieldVerifies() {
        String signed = rsaSigned("c=relaxed/relaxed; h=from :\r\n\tsubject");
        String folded = signed.replaceFirst("; b=", ";\r\n b=");
        assertThat(verifyOne(folded).verdict()).isEqualTo(DkimVerdict.PASS);
    }

    @Test
    void hugeHeaderSectionGivesPermerrorNotMemory() {
        String signed = rsaSigned("h=from");
        String huge = withField(signed, "X-Big: " + "a".repeat(5000));
        DkimResult r = verifyOne(huge, options().withMaxHeaderBytes(4096));
        assertThat(r.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(r.reason()).contains("header section");
    }
}
