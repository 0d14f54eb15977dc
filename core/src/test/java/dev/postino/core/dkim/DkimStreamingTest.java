package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.mime.HeaderSection;

/** A 50 MB body is verified from a stream without being held: allocation stays far below the body size. */
class DkimStreamingTest {

    private static final long BODY_SIZE = 50L * 1024 * 1024;
    private static final byte[] LINE = "The quick  brown fox\tjumps over the lazy dog, again and again. \r\n"
        .getBytes(StandardCharsets.US_ASCII);
    private static final String HEADERS = "From: big@example.test\r\nSubject: large\r\n";

    /** Generates the body on the fly: the test never holds it either. */
    private static InputStream body() {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < BODY_SIZE ? LINE[(int) (position++ % LINE.length)] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= BODY_SIZE) {
                    return -1;
                }
                int n = (int) Math.min(len, BODY_SIZE - position);
                for (int i = 0; i < n; i++) {
                    b[off + i] = LINE[(int) (position++ % LINE.length)];
                }
                return n;
            }
        };
    }

    @Test
    void fiftyMegabyteBodyVerifiesWithBoundedAllocation() throws Exception {
        TestSigner signer = TestSigner.ed25519();
        String relaxed = "d=example.test; s=ed; c=relaxed/relaxed; h=from:subject";
        String simple = "d=example.test; s=ed; c=simple/simple; h=from:subject";
        List<HeaderField> fields = DkimVerifier.fields(HeaderSection.of((HEADERS + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        String signatures = signer.signatureField(fields, bodyHash(signer, relaxed), relaxed)
            + signer.signatureField(fields, bodyHash(signer, simple), simple);
        byte[] head = (signatures + HEADERS + "\r\n").getBytes(StandardCharsets.US_ASCII);

        try (TestDnsServer server = TestDnsServer.start(); DnsClient client = DkimCorpus.client(server)) {
            server.addTxt("ed._domainkey.example.test", signer.keyRecord);
            DkimVerifier verifier = new DkimVerifier(client, DkimOptions.defaults());
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            List<DkimResult> results = verifier.verify(new SequenceInputStream(new ByteArrayInputStream(head), body()));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(results).extracting(DkimResult::verdict).containsExactly(DkimVerdict.PASS, DkimVerdict.PASS);
            assertThat(allocated).as("bytes allocated while verifying a %d-byte body", BODY_SIZE).isLessThan(BODY_SIZE / 10);
        }
    }

    private static String bodyHash(TestSigner signer, String tags) throws Exception {
        BodyHasher hasher = signer.bodyHasher(tags);
        byte[] buffer = new byte[65536];
        try (InputStream in = body()) {
            for (int n = in.read(buffer, 0, buffer.length); n >= 0; n = in.read(buffer, 0, buffer.length)) {
                hasher.update(buffer, 0, n);
            }
        }
        return Base64.getEncoder().encodeToString(hasher.finish().hash());
    }
}
