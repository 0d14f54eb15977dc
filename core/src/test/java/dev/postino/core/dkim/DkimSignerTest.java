package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.testing.DkimInteropVerifiers;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * The signer's output, rsa-sha256 and ed25519-sha256 together, judged by three verifiers: Postino's own, dkimpy
 * (python3-dkim) and Mail::DKIM (libmail-dkim-perl; rsa only, its Debian version has no ed25519), on messages with
 * attachments, 8-bit bodies, SMTPUTF8 headers, folded headers and an empty body; and a From, Subject or To added
 * after signing must make every signature fail with every verifier.
 */
class DkimSignerTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private static TestDnsServer server;
    private static DnsClient client;
    private static DkimSigningKey rsa;
    private static DkimSigningKey ed;
    private static final Map<String, String> KEYS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        rsa = DkimSigningKey.generate("example.test", "rsa2026", DkimAlgorithm.RSA_SHA256, 2048);
        ed = DkimSigningKey.generate("example.test", "ed2026", DkimAlgorithm.ED25519_SHA256, 0);
        server = TestDnsServer.start();
        for (DkimSigningKey key : List.of(rsa, ed)) {
            server.addTxt(key.recordName(), key.keyRecord());
            KEYS.put(key.recordName(), key.keyRecord());
        }
        client = DkimCorpus.client(server);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static final String PLAIN = "From: Joe Sender <joe@example.test>\r\n"
        + "To: Ann <ann@example.net>\r\n"
        + "Subject: lunch\r\n"
        + "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        + "Message-ID: <plain@example.test>\r\n"
        + "\r\n"
        + "Hi Ann,\r\n\r\nsee you at noon.\r\n";

    private static final String ATTACHMENT = "From: Joe Sender <joe@example.test>\r\n"
        + "To: ann@example.net\r\n"
        + "Subject: the figures\r\n"
        + "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        + "Message-ID: <attach@example.test>\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        + "\r\n"
        + "--b1\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Attached.   \r\n"
        + "--b1\r\n"
        + "Content-Type: application/octet-stream; name=\"f.bin\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n"
        + "Content-Disposition: attachment; filename=\"f.bin\"\r\n"
        + "\r\n"
        + Base64.getMimeEncoder().encodeToString(new byte[3000]) + "\r\n"
        + "--b1--\r\n";

    private static final String EIGHT_BIT = "From: =?utf-8?q?Jos=C3=A9?= <jose@example.test>\r\n"
        + "To: ann@example.net\r\n"
        + "Subject: caf\u00c3\u00a9\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n"
        + "\r\n"
        + "Un caf\u00c3\u00a9, s'il vous pla\u00c3\u00aet. \t \r\n";

    /** UTF-8 in display names, in the Subject and in a recipient's local part (RFC 6532), as octets. */
    private static final String SMTPUTF8 = utf8AsOctets("From: J\u00f6rg M\u00fcller <joerg@example.test>\r\n"
        + "To: \u7528\u6237@example.net\r\n"
        + "Subject: Gr\u00fc\u00dfe aus K\u00f6ln \u2603\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n"
        + "\r\n"
        + "Sch\u00f6ne Gr\u00fc\u00dfe\r\n");

    private static final String FOLDED = "From: Joe Sender\r\n <joe@example.test>\r\n"
        + "To: ann@example.net,\r\n\tbob@example.net,\r\n   carol@example.net\r\n"
        + "Subject:  a   long\r\n\tsubject  \r\n"
        + "Cc: dave@example.net\r\n"
        + "References: <a@example.test>\r\n <b@example.test>\r\n"
        + "\r\n"
        + "body\r\n";

    private static final String EMPTY_BODY = "From: joe@example.test\r\n"
        + "To: ann@example.net\r\n"
        + "Subject: nothing\r\n"
        + "\r\n";

    private static final String BARE_LF = "From: joe@example.test\nTo: ann@example.net\nSubject: bare\n\nline one\nline two\n";

    private static String utf8AsOctets(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static byte[] octets(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static DkimSigner signer() {
        return new DkimSigner(Clock.fixed(NOW, ZoneOffset.UTC), null, null);
    }

    /** One signer for every message here, as the mailet has: what it keeps per header shape is shared. */
    private static final DkimSigner SHARED = signer();

    private static byte[] signBoth(String message) throws DkimSigningException {
        return SHARED.sign(octets(message), List.of(ed, rsa));
    }

    private static List<DkimVerdict> postino(byte[] message) {
        DkimOptions options = DkimOptions.defaults().withClock(Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC));
        return new DkimVerifier(client, options).verify(message).stream().map(DkimResult::verdict).toList();
    }

    private static final Map<String, String> MESSAGES = messages();

    private static Map<String, String> messages() {
        Map<String, String> messages = new LinkedHashMap<>();
        messages.put("plain", PLAIN);
        messages.put("attachment", ATTACHMENT);
        messages.put("8bit", EIGHT_BIT);
        messages.put("smtputf8", SMTPUTF8);
        messages.put("folded", FOLDED);
        messages.put("empty body", EMPTY_BODY);
        messages.put("bare LF", BARE_LF);
        return messages;
    }

    @Test
    void postinoVerifiesBothSignaturesOfEveryMessage() throws Exception {
        for (Map.Entry<String, String> message : MESSAGES.entrySet()) {
            assertThat(postino(signBoth(message.getValue()))).as(message.getKey())
                .containsExactly(DkimVerdict.PASS, DkimVerdict.PASS);
        }
    }

    @Test
    void dkimpyVerifiesBothSignaturesOfEveryMessage() throws Exception {
        assumeTrue(DkimInteropVerifiers.dkimpyAvailable(), "dkimpy (python3-dkim) is not installed");
        for (Map.Entry<String, String> message : MESSAGES.entrySet()) {
            assertThat(DkimInteropVerifiers.dkimpy(signBoth(message.getValue()), KEYS)).as(message.getKey())
                .containsExactly(true, true);
        }
    }

    @Test
    void mailDkimVerifiesTheRsaSignatureOfEveryMessage() throws Exception {
        assumeTrue(DkimInteropVerifiers.mailDkimAvailable(), "Mail::DKIM (libmail-dkim-perl) is not installed");
        for (Map.Entry<String, String> message : MESSAGES.entrySet()) {
            List<String> results = DkimInteropVerifiers.mailDkim(signBoth(message.getValue()), "127.0.0.1", server.port());
            assertThat(results).as(message.getKey()).hasSize(2);
            assertThat(results.get(1)).as(message.getKey()).startsWith("pass a=rsa-sha256 d=example.test s=rsa2026");
            // Debian's Mail::DKIM lacks Crypt::PK::Ed25519: it must not pass what it cannot check
            assertThat(results.get(0)).as(message.getKey()).doesNotStartWith("fail").contains("a=ed25519-sha256");
        }
    }

    /** Each of these, added anywhere in the header section after signing, breaks every signature. */
    private static final List<String> ADDED = List.of("From: Mallory <mallory@evil.test>", "Subject: urgent: pay now",
        "To: victim@example.net");

    private static List<String> tampered(byte[] signed) {
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        List<String> variants = new ArrayList<>();
        for (String field : ADDED) {
            variants.add(field + "\r\n" + text); // on top
            variants.add(text.substring(0, end + 2) + field + "\r\n" + text.substring(end + 2)); // at the bottom
        }
        return variants;
    }

    @Test
    void anAddedFromSubjectOrToFailsEverySignatureWithPostino() throws Exception {
        for (String message : List.of(PLAIN, FOLDED, SMTPUTF8)) {
            for (String variant : tampered(signBoth(message))) {
                assertThat(postino(octets(variant))).as(variant).hasSize(2).doesNotContain(DkimVerdict.PASS);
            }
        }
    }

    @Test
    void anAddedFromSubjectOrToFailsEverySignatureWithDkimpy() throws Exception {
        assumeTrue(DkimInteropVerifiers.dkimpyAvailable(), "dkimpy (python3-dkim) is not installed");
        for (String variant : tampered(signBoth(PLAIN))) {
            assertThat(DkimInteropVerifiers.dkimpy(octets(variant), KEYS)).as(variant).containsExactly(false, false);
        }
    }

    @Test
    void anAddedFromSubjectOrToFailsTheRsaSignatureWithMailDkim() throws Exception {
        assumeTrue(DkimInteropVerifiers.mailDkimAvailable(), "Mail::DKIM (libmail-dkim-perl) is not installed");
        for (String variant : tampered(signBoth(PLAIN))) {
            List<String> results = DkimInteropVerifiers.mailDkim(octets(variant), "127.0.0.1", server.port());
            assertThat(results).as(variant).hasSize(2).noneMatch(r -> r.startsWith("pass"));
        }
    }

    @Test
    void oversignsEachDefaultHeaderOnceMoreThanPresent() throws Exception {
        String signed = new String(signer().sign(octets(FOLDED), List.of(rsa)), StandardCharsets.ISO_8859_1);
        List<String> h = signedHeaders(signed);
        assertThat(h.stream().filter("from"::equals).count()).isEqualTo(2);
        assertThat(h.stream().filter("to"::equals).count()).isEqualTo(2);
        assertThat(h.stream().filter("cc"::equals).count()).isEqualTo(2);
        assertThat(h.stream().filter("subject"::equals).count()).isEqualTo(2);
        assertThat(h.stream().filter("reply-to"::equals).count()).isEqualTo(1);
        assertThat(h.stream().filter("list-unsubscribe"::equals).count()).isEqualTo(1);
        assertThat(h).doesNotContain("dkim-signature", "received");
        assertThat(signed).contains("a=rsa-sha256;", "c=relaxed/relaxed;", "d=example.test;", "s=rsa2026;",
            "t=" + NOW.getEpochSecond() + ";").doesNotContain("x=");
        // folded to lines of at most 78 characters
        String field = signed.substring(0, signed.indexOf("\r\nFrom:"));
        assertThat(field.split("\r\n")).allMatch(line -> line.length() <= 78);
    }

    @Test
    void anAddedReplyToBreaksTheSignatureToo() throws Exception {
        String signed = new String(signBoth(PLAIN), StandardCharsets.ISO_8859_1);
        assertThat(postino(octets("Reply-To: mallory@evil.test\r\n" + signed))).doesNotContain(DkimVerdict.PASS);
        // while an unsigned field added in transit leaves both signatures valid
        assertThat(postino(octets("Received: from relay.example.net\r\n" + signed)))
            .containsExactly(DkimVerdict.PASS, DkimVerdict.PASS);
    }

    @Test
    void aFixedHeaderListIsSignedAsGivenAndExpirationSetsX() throws Exception {
        DkimSigner signer = new DkimSigner(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(7), List.of("From", "Subject"));
        String signed = new String(signer.sign(octets(PLAIN), List.of(ed)), StandardCharsets.ISO_8859_1);
        assertThat(signedHeaders(signed)).containsExactly("from", "subject");
        assertThat(signed).contains("x=" + NOW.plus(Duration.ofDays(7)).getEpochSecond() + ";");
        assertThat(postino(octets(signed))).containsExactly(DkimVerdict.PASS);
        assertThatThrownBy(() -> new DkimSigner(Clock.systemUTC(), null, List.of("subject")))
            .hasMessageContaining("must include from");
    }

    @Test
    void refusesMessagesWithoutOneFrom() {
        assertThatThrownBy(() -> signBoth("To: ann@example.net\r\nSubject: x\r\n\r\nbody\r\n"))
            .isInstanceOf(DkimSigningException.class).hasMessageContaining("no From");
        assertThatThrownBy(() -> signBoth("From: joe@example.test\r\nFrom: mallory@evil.test\r\n\r\nbody\r\n"))
            .isInstanceOf(DkimSigningException.class).hasMessageContaining("2 From fields");
        assertThatThrownBy(() -> signBoth("From: joe@example.test, mallory@evil.test\r\n\r\nbody\r\n"))
            .isInstanceOf(DkimSigningException.class).hasMessageContaining("one address");
    }

    @Test
    void keysForTheAuthorDomainAreAskedAndNoneSignsNothing() throws Exception {
        List<String> asked = new ArrayList<>();
        List<String> fields = signer().sign(new java.io.ByteArrayInputStream(octets(FOLDED)), domain -> {
            asked.add(domain);
            return List.of();
        });
        assertThat(asked).containsExactly("example.test");
        assertThat(fields).isEmpty();
    }

    @Test
    void pemRoundTripsAndWeakOrForeignKeysAreRefused() throws Exception {
        for (DkimSigningKey key : List.of(rsa, ed)) {
            DkimSigningKey read = DkimSigningKey.fromPem("example.test", key.selector(), null, key.privateKeyPem());
            assertThat(read.algorithm()).isEqualTo(key.algorithm());
            assertThat(read.keyRecord()).isEqualTo(key.keyRecord());
        }
        assertThatThrownBy(() -> DkimSigningKey.fromPem("example.test", "s", "rsa-sha256", ed.privateKeyPem()))
            .hasMessageContaining("the key is for ed25519-sha256");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        RSAPrivateCrtKey weak = (RSAPrivateCrtKey) generator.generateKeyPair().getPrivate();
        String weakPem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(weak.getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
        assertThatThrownBy(() -> DkimSigningKey.fromPem("example.test", "s", null, weakPem))
            .hasMessageContaining("1024 bits").hasMessageContaining("2048");
        assertThatThrownBy(() -> DkimSigningKey.fromPem("example.test", "s", null,
            "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n")).hasMessageContaining("PKCS#1");
        assertThatThrownBy(() -> DkimSigningKey.fromPem("example.test", "s", null,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).hasMessageContaining("not a PKCS#8");
        assertThatThrownBy(() -> DkimSigningKey.signingAlgorithm("rsa-sha1")).hasMessageContaining("expected rsa-sha256");
    }

    /**
     * A signer that keeps the start of its field per key and header shape signs exactly as a new signer does, for
     * shapes that come and go (more than it keeps, so it clears) and from several threads at once.
     */
    @Test
    void aSharedSignerSignsAsANewOne() throws Exception {
        DkimSigner shared = signer();
        List<String> names = List.of("To", "Cc", "Subject", "Reply-To", "References", "List-Id", "Received");
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                runs.add(threads.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    for (int n = 0; n < 400; n++) {
                        StringBuilder message = new StringBuilder("From: joe@example.test\r\n");
                        for (int k = random.nextInt(12); k > 0; k--) {
                            message.append(names.get(random.nextInt(names.size()))).append(": v").append(k).append("\r\n");
                        }
                        byte[] octets = octets(message.append("\r\nbody ").append(n).append("\r\n").toString());
                        List<DkimSigningKey> keys = n % 100 == 0 ? List.of(ed, rsa) : List.of(ed);
                        assertThat(new String(shared.sign(octets, keys), StandardCharsets.ISO_8859_1))
                            .isEqualTo(new String(signer().sign(octets, keys), StandardCharsets.ISO_8859_1));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            // a start too long to keep (1,500 Cc names in h=) is written each time, the same way
            byte[] manyCc = octets("From: joe@example.test\r\n" + "Cc: x@example.net\r\n".repeat(1500) + "\r\nbody\r\n");
            for (int n = 0; n < 2; n++) {
                assertThat(new String(shared.sign(manyCc, List.of(ed)), StandardCharsets.ISO_8859_1))
                    .isEqualTo(new String(signer().sign(manyCc, List.of(ed)), StandardCharsets.ISO_8859_1));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * The signer's one-pass selection of the default fields is the verifier's selection for the oversigned list it
     * puts in h=: the same fields in the same order, over sections with repeated, mixed-case, spaced and
     * unlisted names.
     */
    @Test
    void theDefaultFieldsAreTheOnesTheVerifierSelectsForTheOversignedList() {
        java.util.Random random = new java.util.Random(5424);
        List<String> names = new ArrayList<>(DkimSigner.DEFAULT_HEADERS);
        names.addAll(List.of("received", "x-mailer", "dkim-signature", "resent-from", "froms"));
        for (int n = 0; n < 3_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(30); k > 0; k--) {
                String name = names.get(random.nextInt(names.size()));
                name = random.nextInt(4) == 0 ? name.toUpperCase(java.util.Locale.ROOT) : name;
                text.append(name).append(random.nextInt(5) == 0 ? " :" : ":").append(" v").append(k)
                    .append(random.nextInt(5) == 0 ? "\r\n\t more  text" : "").append("\r\n");
            }
            dev.postino.core.mime.HeaderSection section = dev.postino.core.mime.HeaderSection.of(
                (text + "\r\nbody\r\n").getBytes(StandardCharsets.ISO_8859_1));
            Octets ours = new Octets(16);
            List<String> signed = java.util.Arrays.stream(
                DkimSigner.oversigned(DkimSigner.appendDefaultFields(section.fields(), ours)))
                .map(name -> new String(name, StandardCharsets.US_ASCII)).toList();
            Octets verifiers = DkimVerifier.signedFields(Canonicalization.RELAXED, signed, DkimVerifier.fields(section));
            assertThat(new String(ours.toArray(), StandardCharsets.ISO_8859_1)).as(text.toString())
                .isEqualTo(new String(verifiers.toArray(), StandardCharsets.ISO_8859_1));
            assertThat(signed.stream().distinct().toList()).isEqualTo(DkimSigner.DEFAULT_HEADERS);
        }
    }

    /**
     * The canonical form the signer writes as it builds its field is the verifier's reading of that field
     * (withEmptyB, then relaxed canonicalization), whatever the tags' lengths and wherever the lines fold.
     */
    @Test
    void theSignersCanonicalFieldIsTheVerifiersReading() {
        java.util.Random random = new java.util.Random(6376);
        for (int n = 0; n < 5_000; n++) {
            DkimSigner.Folded field = new DkimSigner.Folded();
            field.tag("v=1;");
            field.tag("a=", random.nextBoolean() ? "rsa-sha256" : "ed25519-sha256");
            field.tag("d=", "d".repeat(1 + random.nextInt(90)) + ".test");
            field.tag("s=", "s".repeat(1 + random.nextInt(70)));
            field.tag("t=", Long.toString(random.nextLong() >>> random.nextInt(63)));
            byte[][] names = new byte[1 + random.nextInt(40)][];
            for (int i = 0; i < names.length; i++) {
                names[i] = "x".repeat(1 + random.nextInt(i % 7 == 6 ? 90 : 20)).getBytes(StandardCharsets.US_ASCII);
            }
            field.names(names);
            field.tag("bh=", "B".repeat(44));
            field.tag("b=");
            byte[] canonical = java.util.Arrays.copyOf(field.canonical(), field.canonicalLength());
            String b = "Q".repeat(random.nextInt(400));
            for (int i = 0; i < b.length(); i += 16) {
                field.signaturePiece(b, i, Math.min(b.length(), i + 16));
            }
            Octets expected = new Octets(0);
            DkimVerifier.appendSignatureField(Canonicalization.RELAXED, field.toString(), expected);
            assertThat(new String(canonical, StandardCharsets.ISO_8859_1)).as(field.toString())
                .isEqualTo(new String(expected.toArray(), StandardCharsets.ISO_8859_1));
        }
    }

    private static List<String> signedHeaders(String signed) {
        Matcher m = Pattern.compile("h=([^;]*);").matcher(signed.replace("\r\n\t", ""));
        assertThat(m.find()).isTrue();
        return List.of(m.group(1).split(":"));
    }
}
