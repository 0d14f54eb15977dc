package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Bounded fuzzing (fixed seeds): whatever the message or key record holds, the verifier returns one result per
 * DKIM-Signature field and never throws or reaches its internal-error fallback.
 */
class DkimFuzzTest {

    private static final List<String> SEEDS = List.of("mail-dkim/goodkey_ed25519.txt", "mail-dkim/multiple_2.txt",
        "mail-dkim/good_qp_1.txt", "mail-dkim/badkey_11.txt", "rfc8463/message.crlf.eml", "rfc6376/message.crlf.eml");

    private static TestDnsServer server;
    private static DnsClient client;
    private static DkimVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        server = DkimCorpus.startServer();
        client = DkimCorpus.client(server);
        verifier = new DkimVerifier(client, DkimOptions.defaults().withClock(DkimCorpus.CLOCK)
            .withRsaSha1(DkimOptions.RsaSha1Policy.VERIFY).withMinRsaKeyBits(512));
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void mutatedMessagesNeverThrow() {
        Random random = new Random(8463);
        for (int round = 0; round < 400; round++) {
            byte[] message = DkimCorpus.bytes(SEEDS.get(random.nextInt(SEEDS.size())));
            checkSane(mutate(message, random));
        }
    }

    @Test
    void truncatedMessagesNeverThrow() {
        for (String seed : SEEDS) {
            byte[] message = DkimCorpus.bytes(seed);
            for (int length = 0; length < Math.min(message.length, 900); length += 7) {
                checkSane(Arrays.copyOf(message, length));
            }
        }
    }

    @Test
    void binaryJunkAndHugeTagsNeverThrow() {
        Random random = new Random(6376);
        for (int round = 0; round < 100; round++) {
            byte[] junk = new byte[random.nextInt(3000)];
            random.nextBytes(junk);
            checkSane(junk);
            byte[] signatureJunk = concat("DKIM-Signature: ".getBytes(StandardCharsets.ISO_8859_1), junk);
            checkSane(signatureJunk);
        }
        String huge = "DKIM-Signature: v=1; a=rsa-sha256; d=" + "a".repeat(70_000) + "; s=" + "b.".repeat(30_000)
            + "x; h=" + "from:".repeat(20_000) + "from; l=" + "9".repeat(80) + "; bh=" + "A".repeat(100_000)
            + "; b=" + "B".repeat(100_000) + "\r\nFrom: x@y\r\n\r\nbody\r\n";
        checkSane(huge.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Shapes that would be quadratic with a naive loop; each must finish in well under the timeout. */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void manyFieldsManyNamesAndManyEmptyTagsStayLinear() {
        StringBuilder manySignatures = new StringBuilder();
        for (int i = 0; i < 25_000; i++) {
            manySignatures.append("DKIM-Signature: b=AAAAAAAAAA").append(i).append("\r\n");
        }
        List<DkimResult> results = verifier.verify((manySignatures + "From: x@y\r\n\r\nbody\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(results).hasSize(25_000);

        String valid = new String(DkimCorpus.bytes("mail-dkim/goodkey_ed25519.txt"), StandardCharsets.ISO_8859_1);
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            fields.append("X-A: ").append(i).append("\r\n");
        }
        String manyNames = valid.replaceFirst("h=", "h=" + "x-a:".repeat(20_000)).replaceFirst("\r\n\r\n", "\r\n" + fields + "\r\n");
        checkSane(manyNames.getBytes(StandardCharsets.ISO_8859_1));
        String manyEmptyTags = valid.replaceFirst("; b=", ";" + ";".repeat(200_000) + " b=");
        checkSane(manyEmptyTags.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void fuzzedKeyRecordsNeverThrow() {
        Random random = new Random(8301);
        byte[] message = DkimCorpus.bytes("mail-dkim/goodkey_ed25519.txt");
        String good = "v=DKIM1; k=ed25519; p=pP+YUyRjAvKha4Oc49KAY703oLUS1NLMEuGD3IHMKww=";
        String name = "2023-05-ed25519._domainkey.wander.science";
        try {
            for (int round = 0; round < 150; round++) {
                byte[] record = mutate(good.getBytes(StandardCharsets.ISO_8859_1), random);
                server.clear();
                server.addTxt(name, new String(record, StandardCharsets.ISO_8859_1));
                checkSane(message);
            }
        } finally {
            server.clear();
            DkimCorpus.serveFakeDns(server);
        }
    }

    private static void checkSane(byte[] message) {
        List<DkimResult> results = verifier.verify(message);
        String text = new String(message, StandardCharsets.ISO_8859_1);
        int fields = text.toLowerCase().split("dkim-signature", -1).length - 1;
        assertThat(results.size()).isLessThanOrEqualTo(fields);
        for (DkimResult result : results) {
            assertThat(result.reason()).doesNotContain("internal error").hasSizeLessThan(400);
        }
    }

    private static byte[] mutate(byte[] input, Random random) {
        byte[] out = input.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && out.length > 0; i++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(5)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out[at] = (byte) "=;: \r\n\t".charAt(random.nextInt(7));
                case 2 -> out = Arrays.copyOf(out, at);
                case 3 -> out = concat(Arrays.copyOf(out, at), Arrays.copyOfRange(out, Math.min(out.length, at + 1 + random.nextInt(20)), out.length));
                default -> {
                    byte[] inserted = new byte[random.nextInt(30)];
                    random.nextBytes(inserted);
                    out = concat(concat(Arrays.copyOf(out, at), inserted), Arrays.copyOfRange(out, at, out.length));
                }
            }
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
