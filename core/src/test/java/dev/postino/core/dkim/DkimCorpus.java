package dev.postino.core.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

/** The vendored DKIM test data (src/test/resources/dkim), read as bytes, and DNS set up from it. */
final class DkimCorpus {

    /** A fixed "now" after every t= in the data, so x= expiry does not depend on the day the tests run. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private DkimCorpus() {
    }

    static byte[] bytes(String path) {
        try (InputStream in = DkimCorpus.class.getResourceAsStream("/dkim/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource dkim/" + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String path) {
        return new String(bytes(path), StandardCharsets.ISO_8859_1);
    }

    /**
     * Serves FAKE_DNS.dat as its README says: NAME, whitespace, VALUE; NXDOMAIN; ~~error~~ as a DNS failure
     * (a timeout for "Query timed out", SERVFAIL otherwise); anything else one TXT record, verbatim.
     */
    static void serveFakeDns(TestDnsServer server) {
        for (String line : text("mail-dkim/FAKE_DNS.dat").split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
                continue;
            }
            String[] parts = trimmed.split("\\s+", 2);
            String name = parts[0];
            String value = parts.length > 1 ? parts[1] : "";
            if (value.equals("NXDOMAIN")) {
                continue; // names absent from the server are NXDOMAIN
            }
            if (value.startsWith("~~") && value.endsWith("~~")) {
                server.inject(name, "TXT", value.contains("timed out") ? TestDnsServer.Fault.TIMEOUT : TestDnsServer.Fault.SERVFAIL);
                continue;
            }
            server.addTxt(name, value);
        }
    }

    /** Starts a server holding every key of the corpus: FAKE_DNS.dat and both RFC examples' dns.txt. */
    static TestDnsServer startServer() throws IOException {
        TestDnsServer server = TestDnsServer.start();
        serveFakeDns(server);
        serveDnsTxt(server, "rfc8463/dns.txt");
        serveDnsTxt(server, "rfc6376/dns.txt");
        return server;
    }

    /** Serves an RFC example's dns.txt (NAME TAB VALUE per line). */
    static void serveDnsTxt(TestDnsServer server, String path) {
        for (String line : text(path).split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                server.addTxt(line.substring(0, tab), line.substring(tab + 1));
            }
        }
    }

    /**
     * A client of the test server without cache (tests change records between cases) and one 1.5 s attempt: the
     * timeout cases stay short, and a loaded CI machine still answers loopback in time.
     */
    static DnsClient client(TestDnsServer server) {
        return DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofMillis(1500)).withRetries(0).withCacheSize(0));
    }

    /** One data row of an expected.tsv file. */
    record Expectation(String file, String sig, String method, String tags, String expected, String basis,
                       String strict, String strictAlt, String strictReasons) {

        String id() {
            return file + "#" + sig;
        }
    }

    static List<Expectation> expectations(String path) {
        List<Expectation> rows = new ArrayList<>();
        boolean header = true;
        for (String line : text(path).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] c = line.split("\t", -1);
            rows.add(new Expectation(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]));
        }
        return rows;
    }
}
