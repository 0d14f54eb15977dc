package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.json.Json;

/**
 * {@code postino auth} on the hostile header sections of the core test-jar ({@code hostile/header-section/}),
 * each saved to a file as an administrator would: the verdicts of {@code expected.tsv}, the ones the
 * authentication mailet gives on the same octets as James holds them (mailets' HostileHeaderSectionTest).
 */
class AuthCommandHostileFilesTest {

    private static final String FOLDER = "hostile/header-section/";

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AuthCommandHostileFilesTest.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            assertThat(in).as("core test-jar resource " + FOLDER + name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static String text(String name) throws IOException {
        return new String(resource(name), StandardCharsets.US_ASCII);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theCommandGivesTheVerdictsOfTheTable(@TempDir Path folder) throws Exception {
        int checked = 0;
        try (TestDnsServer dns = TestDnsServer.start()) {
            for (String line : text("dns.txt").split("\n")) {
                if (line.contains("\t")) {
                    dns.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1));
                }
            }
            for (String line : text("expected.tsv").split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] expected = line.split("\t");
                Path file = Files.write(folder.resolve(expected[0]), resource(expected[0]));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();

                int status = Postino.run(List.of("auth", "--ip", "192.0.2.9", "--mail-from", expected[1],
                        "--helo", "mx.forwarder.test", "--authserv-id", "mx.postino.test", "--dns", dns.hostPort(),
                        "--json", file.toString()), new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

                assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
                Map<String, Object> json = (Map<String, Object>) Json.read(out.toString(StandardCharsets.UTF_8).trim());
                List<String> dkim = new ArrayList<>();
                for (Object signature : (List<Object>) json.get("dkim")) {
                    dkim.add((String) ((Map<String, Object>) signature).get("result"));
                }
                Map<String, Object> dmarc = (Map<String, Object>) json.get("dmarc");
                String[] actual = {expected[0], expected[1], dkim.isEmpty() ? "-" : String.join(",", dkim),
                    (String) dmarc.get("result"), (String) dmarc.get("disposition"), (String) dmarc.get("header_from")};
                assertThat(String.join("\t", actual)).as((String) dmarc.get("reason")).isEqualTo(line);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }
}
