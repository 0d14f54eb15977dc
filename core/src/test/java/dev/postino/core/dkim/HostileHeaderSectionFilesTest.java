package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.mime.HeaderSection;

/**
 * The hostile header sections in {@code src/test/resources/hostile/header-section/} (shared through the test-jar
 * with the mailet and command tests, which must give the verdicts of its {@code expected.tsv}): each file is
 * rebuilt here from its recipe and compared octet for octet, so that the files stay what their names say. The
 * signatures are RFC 8463's ed25519 key (selector brisbane of football.example.com) over a copy of its example
 * that does not over-sign From; ed25519 is deterministic, so the files are reproducible.
 *
 * <p>To write them again: run {@link #main} with the folder as argument, on the test classpath.
 */
class HostileHeaderSectionFilesTest {

    static final String FOLDER = "hostile/header-section/";

    private static final String EXAMPLE = "From: Joe SixPack <joe@football.example.com>\r\n"
        + "To: Suzie Q <suzie@shopping.example.net>\r\n"
        + "Subject: Is dinner ready?\r\n"
        + "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
        + "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
        + "\r\n"
        + "Hi.\r\n"
        + "\r\n"
        + "We lost the game.  Are you hungry yet?\r\n"
        + "\r\n"
        + "Joe.\r\n";

    private static final String TAGS = "d=football.example.com; s=brisbane; c=relaxed/relaxed;"
        + " h=from:to:subject:date:message-id";

    /** Each file's octets (ISO-8859-1 chars), in the order of expected.tsv. */
    static Map<String, String> recipes() throws IOException {
        String signed = signed();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("control-crlf.eml", signed);
        files.put("control-lf.eml", signed.replace("\r\n", "\n"));
        // two header lines end with a bare LF, the others with CRLF
        files.put("mixed-line-ends.eml", signed.replace("shopping.example.net>\r\n", "shopping.example.net>\n")
            .replace("(PDT)\r\n", "(PDT)\n"));
        // CR CR LF ends the header section for javax.mail (and the recipient's client), not for DKIM
        files.put("smuggled-from-crcrlf.eml", "From: CEO <ceo@football.example.com>\r\n"
            + "Subject: Urgent: wire transfer today\r\n"
            + "Content-Type: text/plain\r\n"
            + "\r\r\n" + signed);
        // one reader ends the From line at the CR and sees the CEO, another reads the angle-addr after it
        files.put("bare-cr-in-from.eml", "From: ceo@football.example.com\r<attacker@evil.test>\r\n"
            + "To: Suzie Q <suzie@shopping.example.net>\r\n"
            + "Subject: Invoice\r\n"
            + "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
            + "Message-ID: <1@evil.test>\r\n"
            + "\r\n"
            + "Please pay.\r\n");
        // a bare CR in an unsigned field of a validly signed message whose SPF also aligns
        files.put("bare-cr-in-other-field.eml", "X-Note: checked\rby nobody\r\n" + signed);
        return files;
    }

    private static String signed() throws IOException {
        byte[] seed = Base64.getDecoder().decode(new String(resource("dkim/rfc8463/ed25519-private.b64"),
            StandardCharsets.US_ASCII).trim());
        TestSigner signer = TestSigner.ed25519(new Ed25519PrivateKeyParameters(seed, 0));
        return signer.sign(EXAMPLE, TAGS);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = HostileHeaderSectionFilesTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void theFilesAreWhatTheirRecipesMake() throws IOException {
        for (Map.Entry<String, String> file : recipes().entrySet()) {
            assertThat(new String(resource(FOLDER + file.getKey()), StandardCharsets.ISO_8859_1))
                .as(file.getKey()).isEqualTo(file.getValue());
        }
        List<String> listed = new String(resource(FOLDER + "expected.tsv"), StandardCharsets.US_ASCII).lines()
            .filter(line -> !line.startsWith("#") && !line.isBlank()).map(line -> line.split("\t")[0]).toList();
        assertThat(listed).containsExactlyElementsOf(recipes().keySet());
    }

    @Test
    void dkimVerdictsAreThoseOfTheTable() throws IOException {
        try (TestDnsServer server = TestDnsServer.start(); DnsClient client = DkimCorpus.client(server)) {
            for (String line : new String(resource(FOLDER + "dns.txt"), StandardCharsets.US_ASCII).split("\n")) {
                if (line.contains("\t")) {
                    server.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1));
                }
            }
            DkimVerifier verifier = new DkimVerifier(client, DkimOptions.defaults());
            for (String line : new String(resource(FOLDER + "expected.tsv"), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] columns = line.split("\t");
                byte[] message = resource(FOLDER + columns[0]);
                String dkim = String.join(",", verifier.verify(message).stream().map(r -> r.verdict().word()).toList());
                assertThat(dkim.isEmpty() ? "-" : dkim).as(columns[0]).isEqualTo(columns[2]);
                HeaderSection headers = HeaderSection.of(message);
                assertThat(headers.bareCr()).as(columns[0] + " has a bare CR").isEqualTo(columns[0].startsWith("smuggled")
                    || columns[0].startsWith("bare-cr"));
                assertThat(headers.mixedLineEnds()).as(columns[0] + " mixes line ends")
                    .isEqualTo(columns[0].startsWith("mixed"));
            }
        }
    }

    /** Writes the files into the folder given (src/test/resources/hostile/header-section). */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        Files.createDirectories(folder);
        for (Map.Entry<String, String> file : recipes().entrySet()) {
            Files.write(folder.resolve(file.getKey()), file.getValue().getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
