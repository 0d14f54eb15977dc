package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.json.Json;

/**
 * DKIM against an independent implementation: seeded messages are signed (both algorithms, the four
 * canonicalizations, various h= lists, l=), half by dkimpy (Debian package {@code python3-dkim}, which always
 * over-signs From) and half by {@link TestSigner} (which signs h= as given), each signed message is changed in
 * one of the ways mail is changed in transit or by an attacker, and both verifiers judge it. The verdicts (pass or
 * not) must agree on at least 99.5% of the comparisons; every disagreement is printed. (A From added above a
 * signature covering one From: Postino says {@code policy} by RFC 6376 §8.15, dkimpy fails it by counting one
 * more From than h= lists; neither passes it.) Skipped (JUnit assumption) without dkimpy; CI installs it.
 *
 * <p>Longer runs: {@code -Dpostino.dkim.signings=N -Dpostino.dkim.seed=S}.
 */
class DkimDkimpyConformanceTest {

    private static final int SIGNINGS = Integer.getInteger("postino.dkim.signings", 64);
    private static final long SEED = Long.getLong("postino.dkim.seed", 6376L);

    private static final List<String> HEADERS = List.of("To: Ann <ann@example.net>", "Cc: bob@example.net,\r\n\tcarol@example.net",
        "Date: Sun, 22 Nov 2026 10:00:00 +0000", "Message-ID: <m1@example.test>", "Subject:  lunch  at\r\n noon ",
        "X-Mixed:\tTabs\t and  spaces", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8");
    private static final List<String> BODIES = List.of("Hi Ann,\r\n\r\nsee you at noon.\r\n", "", "\r\n",
        "one line without end", "trailing spaces   \r\n\ttabbed\r\n\r\n\r\n", "a\r\n\r\nb\r\n" + "x".repeat(900) + "\r\n");
    private static final List<String> CANONS = List.of("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed");
    private static final List<List<String>> SIGNED = List.of(List.of("from"), List.of("from", "to", "subject"),
        List.of("from", "from", "subject", "subject"), List.of("from", "date", "message-id", "x-none"),
        List.of("from", "subject", "cc", "x-mixed"));

    private static final Map<String, UnaryOperator<String>> CHANGES = changes();

    @TempDir
    Path keys;

    /** One signature to make; {@code byDkimpy} false: made by {@link TestSigner}, without l=. */
    private record Signing(int id, String message, String key, String selector, String algorithm, String canon,
                           List<String> headers, boolean length, boolean byDkimpy) {
    }

    @Test
    void agreesWithDkimpy() throws Exception {
        String python = dkimpyPython();
        assumeTrue(python != null, "dkimpy (python3-dkim) is not installed");
        run("dknewkey", "--ktype", "rsa", keys.resolve("rsa1").toString());
        run("dknewkey", "--ktype", "ed25519", keys.resolve("ed1").toString());
        TestSigner javaRsa = TestSigner.rsa(2048);
        TestSigner javaEd = TestSigner.ed25519();
        Map<String, String> records = Map.of(
            "rsa._domainkey.example.test", Files.readString(keys.resolve("rsa1.dns")).strip(),
            "ed._domainkey.example.test", Files.readString(keys.resolve("ed1.dns")).strip(),
            "jrsa._domainkey.example.test", javaRsa.keyRecord,
            "jed._domainkey.example.test", javaEd.keyRecord);
        Path script = Path.of(getClass().getResource("/dkim/dkimpy-oracle.py").toURI());

        List<Signing> signings = signings(new Random(SEED));
        List<String> requests = new ArrayList<>();
        for (Signing s : signings) {
            if (s.byDkimpy) {
                requests.add(Json.write(new TreeMap<>(Map.of("id", s.id, "message", b64(s.message), "key", s.key,
                    "selector", s.selector, "domain", "example.test", "canon", s.canon, "headers", s.headers,
                    "length", s.length, "algorithm", s.algorithm))));
            }
        }
        Map<Integer, String> signed = new TreeMap<>();
        for (Map<?, ?> answer : oracle(python, script, requests, "sign", keys.toString())) {
            assertThat(answer.get("error")).as("dkimpy signs every message").isNull();
            signed.put(((Number) answer.get("id")).intValue(),
                new String(Base64.getDecoder().decode((String) answer.get("signed")), StandardCharsets.ISO_8859_1));
        }
        for (Signing s : signings) {
            if (!s.byDkimpy) {
                TestSigner signer = s.key.equals("rsa1") ? javaRsa : javaEd;
                signed.put(s.id, signer.sign(s.message, "d=example.test; s=j" + s.selector + "; c=" + s.canon
                    + "; h=" + String.join(":", s.headers)));
            }
        }

        List<String> names = new ArrayList<>(CHANGES.keySet());
        List<String> cases = new ArrayList<>();
        List<String> verifyRequests = new ArrayList<>();
        for (Map.Entry<Integer, String> entry : signed.entrySet()) {
            for (String name : names) {
                String changed = CHANGES.get(name).apply(entry.getValue());
                verifyRequests.add(Json.write(new TreeMap<>(Map.of("id", cases.size(), "message", b64(changed),
                    "keys", records))));
                cases.add(name + "\u0000" + describe(signings.get(entry.getKey())) + "\u0000" + changed);
            }
        }
        List<Map<?, ?>> theirs = oracle(python, script, verifyRequests, "verify", keys.toString());

        int compared = 0;
        int agreeing = 0;
        int bothPass = 0;
        Map<String, List<String>> disagreements = new TreeMap<>();
        try (TestDnsServer dns = TestDnsServer.start(); DnsClient client = DkimCorpus.client(dns)) {
            records.forEach(dns::addTxt);
            DkimVerifier verifier = new DkimVerifier(client, DkimOptions.defaults());
            for (int i = 0; i < cases.size(); i++) {
                String[] parts = cases.get(i).split("\u0000", 3);
                List<DkimResult> ours = verifier.verify(parts[2].getBytes(StandardCharsets.ISO_8859_1));
                Object results = theirs.get(i).get("results");
                for (int k = 0; k < ours.size(); k++) {
                    boolean theyPass = results instanceof List<?> list && k < list.size() && Boolean.TRUE.equals(list.get(k));
                    boolean wePass = ours.get(k).verdict() == DkimVerdict.PASS;
                    compared++;
                    if (wePass == theyPass) {
                        agreeing++;
                        bothPass += wePass ? 1 : 0;
                    } else {
                        disagreements.computeIfAbsent(parts[0] + ": ours " + ours.get(k).verdict().word() + " ("
                                + ours.get(k).reason() + "), dkimpy " + (theyPass ? "pass" : "fail"), x -> new ArrayList<>())
                            .add(parts[1]);
                    }
                }
            }
        }
        double agreement = 100.0 * agreeing / compared;
        StringBuilder report = new StringBuilder(String.format(
            "DKIM vs dkimpy (seed %d): %d signings x %d changes; %d signature verdicts compared, %d agree = %.2f%%"
                + " (%d both pass)%n", SEED, signings.size(), names.size(), compared, agreeing, agreement, bothPass));
        disagreements.forEach((kind, list) -> {
            report.append(String.format("  %d x %s%n", list.size(), kind));
            list.stream().limit(2).forEach(d -> report.append("      ").append(d).append('\n'));
        });
        System.out.print(report);
        assertThat(agreement).as(report.toString()).isGreaterThanOrEqualTo(99.5);
    }

    private static List<Signing> signings(Random random) {
        List<Signing> out = new ArrayList<>();
        for (int id = 0; id < SIGNINGS; id++) {
            StringBuilder message = new StringBuilder("From: Joe Sender <joe@example.test>\r\n");
            List<String> headers = new ArrayList<>(HEADERS);
            java.util.Collections.shuffle(headers, random);
            headers.subList(0, 2 + random.nextInt(headers.size() - 2)).forEach(h -> message.append(h).append("\r\n"));
            message.append("\r\n").append(BODIES.get(random.nextInt(BODIES.size())));
            boolean rsa = random.nextBoolean();
            boolean byDkimpy = id % 2 == 0;
            out.add(new Signing(id, message.toString(), rsa ? "rsa1" : "ed1", rsa ? "rsa" : "ed",
                rsa ? "rsa-sha256" : "ed25519-sha256", CANONS.get(random.nextInt(CANONS.size())),
                SIGNED.get(random.nextInt(SIGNED.size())), byDkimpy && random.nextInt(4) == 0, byDkimpy));
        }
        return out;
    }

    private static String describe(Signing s) {
        return (s.byDkimpy ? "dkimpy " : "TestSigner ") + s.algorithm + " c=" + s.canon + " h=" + String.join(":", s.headers) + (s.length ? " l=" : "")
            + " message " + Json.write(s.message);
    }

    private static Map<String, UnaryOperator<String>> changes() {
        Map<String, UnaryOperator<String>> changes = new TreeMap<>();
        changes.put("as signed", m -> m);
        changes.put("header added on top", m -> "X-Added: 1\r\n" + m);
        changes.put("header added at the bottom", m -> insertAtHeaderEnd(m, "X-Added: 1\r\n"));
        changes.put("From added on top", m -> "From: CEO <ceo@example.test>\r\n" + m);
        changes.put("From added at the bottom", m -> insertAtHeaderEnd(m, "From: CEO <ceo@example.test>\r\n"));
        changes.put("Subject added at the bottom", m -> insertAtHeaderEnd(m, "Subject: other\r\n"));
        changes.put("From name in capitals", m -> m.replace("\r\nFrom: Joe", "\r\nFROM: Joe"));
        changes.put("spaces in the From value", m -> m.replace("From: Joe Sender", "From:  Joe   Sender "));
        changes.put("From refolded", m -> m.replace("From: Joe Sender", "From: Joe\r\n Sender"));
        changes.put("From changed", m -> m.replace("joe@example.test", "jo@example.test"));
        changes.put("DKIM-Signature refolded", m -> m.replaceFirst("; ", ";\r\n\t"));
        changes.put("body space doubled", m -> body(m, b -> b.replaceFirst(" ", "  ")));
        changes.put("body trailing blank lines", m -> m + "\r\n\r\n");
        changes.put("body text appended", m -> m + "appended\r\n");
        changes.put("body letter changed", m -> body(m, b -> b.replaceFirst("e", "E")));
        changes.put("body line trailing space", m -> body(m, b -> b.replaceFirst("\r\n", " \r\n")));
        return changes;
    }

    private static String insertAtHeaderEnd(String message, String field) {
        int end = message.indexOf("\r\n\r\n");
        return message.substring(0, end + 2) + field + message.substring(end + 2);
    }

    private static String body(String message, UnaryOperator<String> change) {
        int end = message.indexOf("\r\n\r\n") + 4;
        return message.substring(0, end) + change.apply(message.substring(end));
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The interpreter dkimpy's own tools run with, when dkimpy is installed. */
    private static String dkimpyPython() {
        return dev.postino.core.dkim.testing.DkimInteropVerifiers.dkimpyPython();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
    }

    private List<Map<?, ?>> oracle(String python, Path script, List<String> requests, String mode, String keyDir)
        throws Exception {
        Path input = keys.resolve(mode + ".jsonl");
        Files.write(input, requests, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(python, script.toString(), mode, keyDir).redirectInput(input.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // one answer per request, in the order asked
        List<Map<?, ?>> answers = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                answers.add((Map<?, ?>) Json.read(line));
            }
        }
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(answers).as("an answer per request").hasSize(requests.size());
        return answers;
    }
}
