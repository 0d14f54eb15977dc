package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the message reader behind DKIM, through its public entry point
 * {@link DkimVerifier#verify}: raw octets in, one result per DKIM-Signature field out. The keys of the Mail::DKIM
 * corpus and RFC 6376/8463 are served by an in-process DNS server (without the corpus's injected timeouts), so
 * seeds that verify still verify. Seeds: {@code MessageHeaderFuzzTestInputs/verify/} (the corpus messages, real
 * bounces in CRLF, LF and CR forms, and header-smuggling shapes).
 *
 * <p>Invariants: nothing throws and no result is the internal-error fallback; there are no more results than
 * the message has "DKIM-Signature" names; reasons and identifiers stay short whatever the message; the verdicts
 * do not depend on how the stream splits its reads (one octet at a time, or a few); with bare LF accepted, a
 * message without CR gets the same verdicts as its CRLF form; memory stays linear in the message's size.
 */
class MessageHeaderFuzzTest {

    private static TestDnsServer server;
    private static DnsClient client;
    private static DkimVerifier verifier;

    @BeforeAll
    static void start() throws IOException {
        server = TestDnsServer.start();
        for (String line : DkimCorpus.text("mail-dkim/FAKE_DNS.dat").split("\n")) {
            String[] parts = line.strip().split("\\s+", 2);
            if (parts.length == 2 && !parts[0].startsWith("#") && !parts[1].equals("NXDOMAIN") && !parts[1].startsWith("~~")) {
                server.addTxt(parts[0], parts[1]);
            }
        }
        DkimCorpus.serveDnsTxt(server, "rfc8463/dns.txt");
        DkimCorpus.serveDnsTxt(server, "rfc6376/dns.txt");
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofMillis(1500)).withRetries(0).withCacheSize(4096));
        verifier = new DkimVerifier(client, DkimOptions.defaults().withClock(DkimCorpus.CLOCK)
            .withRsaSha1(DkimOptions.RsaSha1Policy.VERIFY).withMinRsaKeyBits(512));
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @FuzzTest
    void verify(byte[] message) throws IOException {
        LinearAllocation.check(message.length, "DkimVerifier.verify", () -> verifier.verify(message));
        List<DkimResult> results = verifier.verify(message);

        String text = new String(message, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        int names = text.split("dkim-signature", -1).length - 1;
        assertThat(results.size()).isLessThanOrEqualTo(names);
        for (DkimResult result : results) {
            assertThat(result.reason()).doesNotContain("internal error").hasSizeLessThanOrEqualTo(DkimSignatureFuzzTest.MAX_REASON);
            assertThat(result.domain()).hasSizeLessThanOrEqualTo(253);
            assertThat(result.selector()).hasSizeLessThanOrEqualTo(253);
            assertThat(result.headerB().length()).isLessThanOrEqualTo(message.length);
        }

        int step = 1 + Math.floorMod(java.util.Arrays.hashCode(message), 7);
        for (int chunk : new int[] {1, step}) {
            assertThat(verifier.verify(new ChunkedStream(message, chunk)))
                .as("verdicts when the stream gives %d octets per read", chunk).isEqualTo(results);
        }

        if (verifier.options().acceptBareLf() && text.indexOf('\r') < 0 && text.indexOf('\n') >= 0) {
            byte[] crlf = new String(message, StandardCharsets.ISO_8859_1).replace("\n", "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
            assertThat(verifier.verify(crlf)).as("verdicts of the CRLF form of a bare-LF message").isEqualTo(results);
        }
    }

    /** A stream that never gives more than {@code chunk} octets per read, as a socket may. */
    private static final class ChunkedStream extends InputStream {
        private final ByteArrayInputStream in;
        private final int chunk;

        ChunkedStream(byte[] bytes, int chunk) {
            this.in = new ByteArrayInputStream(bytes);
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, chunk));
        }
    }
}
