package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dkim.testing.DkimInteropVerifiers;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * {@code postino dkim keygen} prints a record that {@code postino dns} reads back from a loopback DNS server and that
 * the verifier accepts; {@code postino dkim sign} output verifies with {@code postino dkim}, dkimpy and Mail::DKIM.
 */
class DkimSignCommandTest {

    private static final String MESSAGE = "From: Joe <joe@example.test>\n"
        + "To: ann@example.net\n"
        + "Subject: signed\n"
        + " from the command line\n"
        + "Date: Sun, 22 Nov 2026 10:00:00 +0000\n"
        + "\n"
        + "Hello,   Ann.\n";

    @TempDir
    Path dir;

    private TestDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        Files.writeString(dir.resolve("message.eml"), MESSAGE, StandardCharsets.ISO_8859_1);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private record Run(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Postino.run(List.of(args), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** keygen, publish what it printed, read it back with postino dns; returns the record value. */
    private String keygenAndPublish(String algorithm, String selector) throws Exception {
        Run keygen = run("dkim", "keygen", "--domain", "example.test", "--selector", selector, "--algorithm", algorithm,
            "--out", dir.resolve(selector + ".pem").toString());
        assertThat(keygen.exit()).as(keygen.err()).isZero();
        String line = keygen.text().strip();
        assertThat(line).startsWith(selector + "._domainkey.example.test. IN TXT \"v=DKIM1; k="
            + (algorithm.startsWith("ed") ? "ed25519" : "rsa") + "; p=");
        dns.add(line);
        Run lookup = run("dns", "--dns", dns.hostPort(), "--json", "TXT", selector + "._domainkey.example.test");
        assertThat(lookup.exit()).isZero();
        Matcher m = Pattern.compile("\"records\": \\[\"([^\"]*)\"\\]").matcher(lookup.text());
        assertThat(m.find()).as(lookup.text()).isTrue();
        String record = m.group(1);
        // the record read back is the printed one with its character-strings joined
        assertThat(line.substring(line.indexOf('"')).replace("\" \"", "").replace("\"", "")).isEqualTo(record);
        assertThat(Files.readString(dir.resolve(selector + ".pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        return record;
    }

    private Run sign(String selector, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("dkim", "sign", "--domain", "example.test", "--selector",
            selector, "--key", dir.resolve(selector + ".pem").toString()));
        args.addAll(List.of(more));
        args.add(dir.resolve("message.eml").toString());
        return run(args.toArray(String[]::new));
    }

    private String verify(byte[] signed) throws Exception {
        Files.write(dir.resolve("signed.eml"), signed);
        Run verify = run("dkim", "--dns", dns.hostPort(), "--json", dir.resolve("signed.eml").toString());
        assertThat(verify.exit()).isZero();
        return verify.text();
    }

    @Test
    void keygenRecordsAreReadBackAndSignedOutputVerifiesWithPostino() throws Exception {
        for (String[] key : List.of(new String[] {"ed25519-sha256", "ed"}, new String[] {"rsa-sha256", "rsa"})) {
            keygenAndPublish(key[0], key[1]);
            Run signed = sign(key[1]);
            assertThat(signed.exit()).as(signed.err()).isZero();
            String text = signed.text();
            assertThat(text.replace("\r\n\t", " ")).startsWith("DKIM-Signature: v=1; a=" + key[0] + "; c=relaxed/relaxed; d=example.test; s=" + key[1] + ";");
            assertThat(text.replace("\r\n", "")).doesNotContain("\n"); // CRLF line ends only
            assertThat(text).endsWith("Hello,   Ann.\r\n");
            assertThat(verify(signed.out())).contains("\"selector\": \"" + key[1] + "\", \"algorithm\": \"" + key[0]
                + "\", \"result\": \"pass\"");
        }
    }

    @Test
    void signedOutputVerifiesWithDkimpyAndMailDkim() throws Exception {
        String ed = keygenAndPublish("ed25519-sha256", "ed");
        String rsa = keygenAndPublish("rsa-sha256", "rsa");
        Map<String, String> keys = Map.of("ed._domainkey.example.test", ed, "rsa._domainkey.example.test", rsa);
        byte[] edSigned = sign("ed").out();
        byte[] rsaSigned = sign("rsa").out();
        assumeTrue(DkimInteropVerifiers.dkimpyAvailable(), "dkimpy (python3-dkim) is not installed");
        assertThat(DkimInteropVerifiers.dkimpy(edSigned, keys)).containsExactly(true);
        assertThat(DkimInteropVerifiers.dkimpy(rsaSigned, keys)).containsExactly(true);
        assumeTrue(DkimInteropVerifiers.mailDkimAvailable(), "Mail::DKIM (libmail-dkim-perl) is not installed");
        assertThat(DkimInteropVerifiers.mailDkim(rsaSigned, "127.0.0.1", dns.port()))
            .singleElement().asString().startsWith("pass a=rsa-sha256 d=example.test s=rsa");
    }

    @Test
    void headersGivenAreSignedAsGiven() throws Exception {
        keygenAndPublish("ed25519-sha256", "ed");
        Run signed = sign("ed", "--headers", "From:Subject");
        assertThat(signed.text()).contains("h=from:subject;");
        assertThat(verify(signed.out())).contains("\"result\": \"pass\"");
    }

    @Test
    void mistakesAreOneLineAndExitStatusTwo() throws Exception {
        keygenAndPublish("ed25519-sha256", "ed");
        Run exists = run("dkim", "keygen", "--domain", "example.test", "--selector", "ed", "--algorithm", "ed25519-sha256",
            "--out", dir.resolve("ed.pem").toString());
        Run weak = run("dkim", "keygen", "--domain", "example.test", "--selector", "w", "--algorithm", "rsa-sha256",
            "--bits", "1024", "--out", dir.resolve("w.pem").toString());
        Run sha1 = run("dkim", "keygen", "--domain", "example.test", "--selector", "w", "--algorithm", "rsa-sha1",
            "--out", dir.resolve("w.pem").toString());
        Run wrongAlgorithm = sign("ed", "--algorithm", "rsa-sha256");
        Files.writeString(dir.resolve("message.eml"), "From: a@example.test\nFrom: b@evil.test\n\nx\n");
        Run twoFroms = sign("ed");
        Run jsonOnSign = sign("ed", "--json");
        for (Run r : List.of(exists, weak, sha1, wrongAlgorithm, twoFroms, jsonOnSign)) {
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip()).doesNotContain("\n").startsWith("postino dkim: ");
            assertThat(r.out()).isEmpty();
        }
        assertThat(exists.err()).contains("exists");
        assertThat(weak.err()).contains("1024 bits");
        assertThat(sha1.err()).contains("expected rsa-sha256 or ed25519-sha256");
        assertThat(wrongAlgorithm.err()).contains("the key is for ed25519-sha256");
        assertThat(twoFroms.err()).contains("2 From fields");
        assertThat(jsonOnSign.err()).contains("unknown option --json");
        assertThat(Files.exists(dir.resolve("w.pem"))).isFalse();
    }
}
