package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.json.Json;

/** {@code postino auth} on the RFC 8463 example message (signed by football.example.com), DNS on loopback. */
class AuthCommandTest {

    private TestDnsServer dns;
    private byte[] message;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        dns = Rfc8463Example.dnsWithKeys();
        dns.addTxt("football.example.com", "v=spf1 ip4:192.0.2.1 -all");
        dns.addTxt("_dmarc.football.example.com", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.forged.test", "v=DMARC1; p=quarantine; t=y");
        message = Rfc8463Example.message();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private int run(byte[] stdin, String... args) {
        return Postino.run(List.of(args), new ByteArrayInputStream(stdin),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonFollowsTheContract() {
        int status = run(message, "auth", "--ip", "192.0.2.1", "--mail-from", "joe@football.example.com",
            "--helo", "mail.football.example.com", "--authserv-id", "mx.postino.test", "--dns", dns.hostPort(),
            "--json", "-");

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Map<String, Object> json = (Map<String, Object>) Json.read(output());
        assertThat(json).containsOnlyKeys("spf", "dkim", "dmarc", "authentication_results");
        assertThat((Map<String, Object>) json.get("spf")).containsEntry("result", "pass")
            .containsEntry("domain", "football.example.com").containsKeys("explanation", "dns_lookups");
        List<Map<String, Object>> dkim = (List<Map<String, Object>>) json.get("dkim");
        assertThat(dkim).hasSize(2);
        assertThat(dkim.get(0)).containsOnlyKeys("domain", "selector", "algorithm", "result", "reason")
            .containsEntry("result", "pass");
        assertThat((Map<String, Object>) json.get("dmarc")).containsExactlyInAnyOrderEntriesOf(Map.of(
            "result", "pass", "header_from", "football.example.com", "policy_domain", "football.example.com",
            "policy", "reject", "disposition", "none", "reason", "aligned SPF pass for football.example.com"));
        assertThat((String) json.get("authentication_results"))
            .startsWith("Authentication-Results: mx.postino.test; spf=pass ")
            .contains("; dkim=pass ", "; dmarc=pass (p=reject dis=none", "header.from=football.example.com")
            .doesNotContain("\r", "\n");
    }

    @Test
    void withoutJsonItPrintsTheField() {
        String forged = new String(message, StandardCharsets.ISO_8859_1)
            .replace("From: Joe SixPack <joe@football.example.com>", "From: Joe <joe@forged.test>");

        int status = run(forged.getBytes(StandardCharsets.ISO_8859_1), "auth", "--ip", "192.0.2.9", "--mail-from", "",
            "--helo", "unknown.test", "--authserv-id", "mx.postino.test", "--dns", dns.hostPort(), "-");

        assertThat(status).isZero();
        assertThat(output()).startsWith("Authentication-Results: mx.postino.test; spf=none ")
            .contains("dmarc=fail (p=quarantine dis=none d=forged.test;", "header.from=forged.test");
    }

    @Test
    void usageErrors() {
        assertThat(run(message, "auth", "--ip", "nope", "--mail-from", "", "--helo", "h", "-")).isEqualTo(2);
        assertThat(run(message, "auth", "--ip", "192.0.2.1", "--mail-from", "", "--helo", "h",
            "--dmarc-mode", "rfc1", "-")).isEqualTo(2);
        assertThat(run(message, "auth", "--ip", "192.0.2.1", "--helo", "h", "-")).isEqualTo(2);
    }
}
