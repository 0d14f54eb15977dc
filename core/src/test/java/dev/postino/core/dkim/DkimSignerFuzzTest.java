package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Bounded fuzzing (fixed seed) of the signer on what users submit: whatever the message holds, the signer either
 * refuses it with a {@link DkimSigningException} or signs it, and then Postino's own verifier passes the signature
 * (the signer and the verifier never disagree on canonicalization).
 */
class DkimSignerFuzzTest {

    private static final List<String> SEEDS = List.of("mail-dkim/goodkey_ed25519.txt", "mail-dkim/multiple_2.txt",
        "mail-dkim/good_qp_1.txt", "rfc8463/message.crlf.eml", "rfc6376/message.crlf.eml");

    private static TestDnsServer server;
    private static DnsClient client;
    private static DkimSigningKey key;

    @BeforeAll
    static void start() throws Exception {
        key = DkimSigningKey.generate("fuzz.test", "ed", DkimAlgorithm.ED25519_SHA256, 0);
        server = TestDnsServer.start();
        server.addTxt(key.recordName(), key.keyRecord());
        client = DkimCorpus.client(server);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void mutatedMessagesAreRefusedOrSignedSoThatTheyVerify() {
        DkimSigner signer = new DkimSigner(DkimCorpus.CLOCK, null, null);
        DkimVerifier verifier = new DkimVerifier(client, DkimOptions.defaults().withClock(DkimCorpus.CLOCK));
        Random random = new Random(6376);
        List<String> disagreements = new ArrayList<>();
        int signed = 0;
        for (int round = 0; round < 300; round++) {
            byte[] message = DkimCorpus.bytes(SEEDS.get(random.nextInt(SEEDS.size())));
            byte[] mutated = mutate(message, random);
            byte[] output;
            try {
                output = signer.sign(mutated, List.of(key));
            } catch (DkimSigningException refused) {
                assertThat(refused.getMessage()).isNotBlank().doesNotContain("\n");
                continue;
            }
            signed++;
            List<DkimResult> results = verifier.verify(output);
            DkimResult ours = results.get(0);
            if (ours.verdict() != DkimVerdict.PASS) {
                disagreements.add(round + ": " + ours.verdict().word() + " (" + ours.reason() + ")");
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(signed).as("most mutations keep one From").isGreaterThan(100);
    }

    private static byte[] mutate(byte[] input, Random random) {
        byte[] out = input.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && out.length > 0; i++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(4)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out[at] = (byte) ":; \r\n\t".charAt(random.nextInt(6));
                case 2 -> out = Arrays.copyOf(out, Math.max(at, out.length - 40));
                default -> {
                    byte[] inserted = new byte[random.nextInt(30)];
                    random.nextBytes(inserted);
                    byte[] joined = Arrays.copyOf(out, out.length + inserted.length);
                    System.arraycopy(inserted, 0, joined, at, inserted.length);
                    System.arraycopy(out, at, joined, at + inserted.length, out.length - at);
                    out = joined;
                }
            }
        }
        return out;
    }
}
