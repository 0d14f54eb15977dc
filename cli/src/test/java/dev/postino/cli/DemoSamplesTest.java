package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.json.Json;

/**
 * The README's demo: samples/demo.zone (what {@code ./postino run --demo-dns} serves) and the samples/ messages
 * give the verdicts the README promises, so an edit to either that breaks the quick start fails here.
 * samples/signed.eml was signed by the integration tests' JDK-only signer, not by the engine under test.
 */
class DemoSamplesTest {

    private static final Path SAMPLES = Path.of("../samples");

    private TestDnsServer dns;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start().loadZone(Files.readString(SAMPLES.resolve("demo.zone"), StandardCharsets.UTF_8), ".");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void signedSampleVerifiesAgainstTheDemoZone() {
        Map<String, Object> json = run("dkim", "--dns", dns.hostPort(), "--json", sample("signed.eml"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> signatures = (List<Map<String, Object>>) json.get("signatures");
        assertThat(signatures).hasSize(1);
        assertThat(signatures.get(0)).containsEntry("domain", "demo.test").containsEntry("selector", "demo")
            .containsEntry("result", "pass");
    }

    @Test
    void signedSampleFromTheStrangerAddressPassesEverything() {
        Map<String, Object> json = auth("bob@demo.test", "signed.eml");
        assertThat(verdict(json, "spf")).containsEntry("result", "pass");
        assertThat(verdict(json, "dmarc")).containsEntry("result", "pass").containsEntry("policy", "none");
    }

    @Test
    void plainSampleFromTheStrangerAddressPassesDmarcThroughSpf() {
        Map<String, Object> json = auth("bob@demo.test", "plain.eml");
        assertThat(verdict(json, "spf")).containsEntry("result", "pass");
        assertThat(verdict(json, "dmarc")).containsEntry("result", "pass");
        assertThat((List<?>) json.get("dkim")).isEmpty();
    }

    @Test
    void forgedSampleFailsDmarcWithDispositionReject() {
        Map<String, Object> json = auth("security@example.com", "forged.eml");
        assertThat(verdict(json, "spf")).containsEntry("result", "fail");
        assertThat(verdict(json, "dmarc")).containsEntry("result", "fail").containsEntry("header_from", "example.com")
            .containsEntry("disposition", "reject");
    }

    @Test
    void bounceSampleWithTheNullSenderPassesOnTheHeloName() {
        Map<String, Object> json = auth("", "bounce.eml");
        assertThat(verdict(json, "spf")).containsEntry("result", "pass").containsEntry("domain", "mail.demo.test");
        assertThat(verdict(json, "dmarc")).containsEntry("result", "pass");
    }

    private Map<String, Object> auth(String mailFrom, String sample) {
        return run("auth", "--dns", dns.hostPort(), "--ip", "127.0.0.2", "--mail-from", mailFrom,
            "--helo", "mail.demo.test", "--json", sample(sample));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> verdict(Map<String, Object> json, String name) {
        return (Map<String, Object>) json.get(name);
    }

    private static String sample(String name) {
        return SAMPLES.resolve(name).toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> run(String... args) {
        int status = Postino.run(List.of(args), new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return (Map<String, Object>) Json.read(out.toString(StandardCharsets.UTF_8).trim());
    }
}
