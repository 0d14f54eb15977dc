package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dns.testing.TestDnsServer;

/** {@code postino dkim} on the RFC 8463 example (ed25519-sha256 and rsa-sha256 signatures), DNS on loopback. */
class DkimCommandTest {

    private static final String EXPECTED_SIGNATURE_0 =
        "{\"domain\": \"football.example.com\", \"selector\": \"brisbane\", \"algorithm\": \"ed25519-sha256\", \"result\": \"";
    private static final String EXPECTED_SIGNATURE_1 =
        "{\"domain\": \"football.example.com\", \"selector\": \"test\", \"algorithm\": \"rsa-sha256\", \"result\": \"";

    @TempDir
    Path dir;

    private TestDnsServer dns;
    private byte[] message;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        dns = Rfc8463Example.dnsWithKeys();
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

    private String file(byte[] content) throws IOException {
        Path path = dir.resolve("message.eml");
        Files.write(path, content);
        return path.toString();
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void reportsEverySignatureInHeaderOrderAsJson() throws Exception {
        int status = run(new byte[0], "dkim", "--dns", dns.hostPort(), "--json", file(message));

        assertThat(status).isZero();
        assertThat(output()).isEqualTo("{\"signatures\": [" + EXPECTED_SIGNATURE_0 + "pass\", \"reason\": \"signature verified\"}, "
            + EXPECTED_SIGNATURE_1 + "pass\", \"reason\": \"signature verified\"}]}");
        assertThat(err.size()).isZero();
    }

    @Test
    void aTamperedBodyFailsWithExitStatusZero() throws Exception {
        String tampered = new String(message, StandardCharsets.ISO_8859_1).replace("Joe.", "Joe!");
        assertThat(tampered).isNotEqualTo(new String(message, StandardCharsets.ISO_8859_1));

        int status = run(new byte[0], "dkim", "--dns", dns.hostPort(), "--json",
            file(tampered.getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(status).isZero();
        assertThat(output()).contains(EXPECTED_SIGNATURE_0 + "fail\", \"reason\": \"body hash did not verify\"}")
            .contains(EXPECTED_SIGNATURE_1 + "fail\", \"reason\": \"body hash did not verify\"}");
    }

    @Test
    void dnsFailureIsTemperror() throws Exception {
        dns.inject("brisbane._domainkey.football.example.com", "TXT", TestDnsServer.Fault.SERVFAIL);

        int status = run(message, "dkim", "--dns", dns.hostPort(), "--json", "-");

        assertThat(status).isZero();
        assertThat(output()).contains(EXPECTED_SIGNATURE_0 + "temperror\"").contains(EXPECTED_SIGNATURE_1 + "pass\"");
    }

    @Test
    void noSignatureGivesAnEmptyList() throws Exception {
        int status = run(new byte[0], "dkim", "--dns", dns.hostPort(), "--json",
            file("From: a@example.test\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)));

        assertThat(status).isZero();
        assertThat(output()).isEqualTo("{\"signatures\": []}");
    }

    @Test
    void humanOutputNamesVerdictDomainSelectorAndHeaderB() throws Exception {
        int status = run(message, "dkim", "--dns", dns.hostPort(), "-");

        assertThat(status).isZero();
        List<String> lines = output().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("dkim=pass header.d=football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=");
        assertThat(lines.get(1)).startsWith("dkim=pass header.d=football.example.com header.s=test header.a=rsa-sha256 header.b=");
    }

    @Test
    void unreadableInputIsExitStatusTwo() throws Exception {
        assertThat(run(new byte[0], "dkim", "--dns", dns.hostPort(), dir.resolve("missing.eml").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("postino dkim: no such file: ");
        err.reset();
        assertThat(run(new byte[0], "dkim", "--dns", dns.hostPort(), dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("postino dkim: cannot read ");
        assertThat(run(new byte[0], "dkim", "--dns", dns.hostPort())).isEqualTo(2);
        assertThat(out.size()).isZero();
    }
}
