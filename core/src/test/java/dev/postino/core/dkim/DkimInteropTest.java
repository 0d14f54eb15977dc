package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Interoperability with an independent signer: dkimpy's {@code dknewkey} and {@code dkimsign} (Debian package
 * {@code python3-dkim}). Skipped (JUnit assumption) when the tools are not on the PATH; CI installs them.
 */
class DkimInteropTest {

    /** Folded header, odd whitespace, trailing empty lines: gives both canonicalizations something to do. */
    private static final String MESSAGE = "From: Joe Sender <joe@example.test>\r\n"
        + "To: ann@example.net,\r\n"
        + "\tbob@example.net\r\n"
        + "Subject:  interop   test \r\n"
        + "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        + "\r\n"
        + "Hello  there, \r\n"
        + "\ttabbed line\r\n"
        + "\r\n"
        + "last line\r\n"
        + "\r\n"
        + "\r\n";

    @TempDir
    static Path keys;

    private static TestDnsServer server;
    private static DnsClient client;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(onPath("dknewkey") && onPath("dkimsign"), "dkimpy (python3-dkim) is not installed");
        for (String name : List.of("rsa1", "rsa2")) {
            run(null, "dknewkey", "--ktype", "rsa", keys.resolve(name).toString());
        }
        for (String name : List.of("ed1", "ed2")) {
            run(null, "dknewkey", "--ktype", "ed25519", keys.resolve(name).toString());
        }
        server = TestDnsServer.start();
        client = DkimCorpus.client(server);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void clearDns() {
        server.clear();
    }

    /** Publishes one key, replacing whatever the server held (two records would make the answer ambiguous). */
    private static void publish(String selector, String key) throws IOException {
        server.clear();
        server.addTxt(selector + "._domainkey.example.test", Files.readString(keys.resolve(key + ".dns")).strip());
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String stdin, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 60 s");
        }
        assertThat(process.exitValue()).as(String.join(" ", command) + ": "
            + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static String sign(String algorithm, String selector, String key, String hcanon, String bcanon) throws Exception {
        return run(MESSAGE, "dkimsign", "--hcanon", hcanon, "--bcanon", bcanon, "--signalg", algorithm, selector,
            "example.test", keys.resolve(key + ".key").toString());
    }

    private static DkimResult verify(String message) {
        List<DkimResult> results = new DkimVerifier(client, DkimOptions.defaults())
            .verify(message.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    /** Every combination of algorithm and canonicalization verifies, and each single mutation fails. */
    @Test
    void dkimpySignaturesVerifyAndEachMutationFails() throws Exception {
        record Signer(String algorithm, String selector, String key, String otherKey) {
        }
        List<String> failures = new ArrayList<>();
        for (Signer signer : List.of(new Signer("rsa-sha256", "rsa", "rsa1", "rsa2"), new Signer("ed25519-sha256", "ed", "ed1", "ed2"))) {
            for (String hcanon : List.of("simple", "relaxed")) {
                for (String bcanon : List.of("simple", "relaxed")) {
                    String what = signer.algorithm + " " + hcanon + "/" + bcanon;
                    publish(signer.selector, signer.key);
                    String signed = sign(signer.algorithm, signer.selector, signer.key, hcanon, bcanon);
                    expect(failures, what + " as signed", verify(signed), DkimVerdict.PASS);
                    expect(failures, what + " body byte", verify(signed.replace("last line", "last linE")), DkimVerdict.FAIL);
                    expect(failures, what + " signed header", verify(signed.replace("interop", "Interop")), DkimVerdict.FAIL);
                    expect(failures, what + " b= byte", verify(flipSignatureCharacter(signed)), DkimVerdict.FAIL);
                    publish(signer.selector, signer.otherKey);
                    expect(failures, what + " other key", verify(signed), DkimVerdict.FAIL);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void dkimpyRsaSha1IsRefusedByDefault() throws Exception {
        publish("rsa", "rsa1");
        DkimResult result = verify(sign("rsa-sha1", "rsa", "rsa1", "relaxed", "simple"));
        assertThat(result.verdict()).isEqualTo(DkimVerdict.FAIL);
        assertThat(result.reason()).contains("rsa-sha1");
    }

    private static void expect(List<String> failures, String what, DkimResult result, DkimVerdict verdict) {
        if (result.verdict() != verdict) {
            failures.add(what + ": got " + result.verdict().word() + " (" + result.reason() + "), want " + verdict.word());
        }
    }

    /** Changes one base64 character in the middle of b= to another base64 character. */
    private static String flipSignatureCharacter(String signed) {
        int b = signed.indexOf(" b=");
        int at = b + 3 + 20;
        char c = signed.charAt(at);
        char replacement = c == 'A' ? 'B' : 'A';
        return signed.substring(0, at) + replacement + signed.substring(at + 1);
    }
}
