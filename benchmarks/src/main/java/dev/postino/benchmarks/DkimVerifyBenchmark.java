package dev.postino.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.BodyHasher;
import org.apache.james.jdkim.api.Headers;
import org.apache.james.jdkim.api.SignatureRecord;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Postino's DKIM verifier against Apache jDKIM 0.3 (what James 3.8.1's DKIMVerify mailet runs, through its
 * streaming path: newBodyHasher, body into the hasher's stream, verify), on the same messages in the same run:
 * a 10 KB message with one rsa-2048 signature, the same with ed25519 (Postino only: jDKIM has no ed25519), and a
 * 50 MB body. Keys are served to Postino from a loopback TestDnsServer through its DNS client's cache, to jDKIM
 * from memory. Run {@code main} to get the JMH table and the Postino/jDKIM ratios.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DkimVerifyBenchmark {

    private static final String[] HEADERS = {
        "From: Joe Sender <joe@example.test>",
        "To: Ann Receiver <ann@example.net>",
        "Subject: quarterly figures",
        "Date: Sun, 22 Nov 2026 10:00:00 +0000",
        "Message-ID: <benchmark-1@example.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    };
    private static final String SIGNED = "from:to:subject:date:message-id:mime-version:content-type";
    private static final byte[] LINE = "The figures for the quarter are attached below, with the usual notes and caveats.\r\n"
        .getBytes(StandardCharsets.US_ASCII);

    private TestDnsServer dns;
    private DnsClient client;
    private dev.postino.core.dkim.DkimVerifier postino;
    private DKIMVerifier jdkim;

    private Signed rsa10k;
    private Signed ed10k;
    private Signed rsa50m;

    /** A signed message: its header fields (signature first, no CRLF) and its body. */
    record Signed(List<String> fields, byte[] body, byte[] message) {
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        KeyPair rsaKeys = generator.generateKeyPair();
        Ed25519PrivateKeyParameters edKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        String rsaRecord = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(rsaKeys.getPublic().getEncoded());
        String edRecord = "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(edKey.generatePublicKey().getEncoded());

        dns = TestDnsServer.start();
        dns.addTxt("rsa._domainkey.example.test", rsaRecord);
        dns.addTxt("ed._domainkey.example.test", edRecord);
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address())));
        postino = new dev.postino.core.dkim.DkimVerifier(client, DkimOptions.defaults());
        jdkim = new DKIMVerifier((method, selector, domain) -> {
            if (selector.toString().equals("rsa")) {
                return List.of(rsaRecord);
            }
            throw new org.apache.james.jdkim.exceptions.PermFailException("no key for " + selector);
        });

        rsa10k = sign(body(10 * 1024), "rsa-sha256", "rsa", rsaKeys.getPrivate(), null);
        ed10k = sign(body(10 * 1024), "ed25519-sha256", "ed", null, edKey);
        rsa50m = sign(body(50 * 1024 * 1024), "rsa-sha256", "rsa", rsaKeys.getPrivate(), null);

        for (Signed signed : List.of(rsa10k, ed10k, rsa50m)) {
            DkimVerdict verdict = postinoVerify(signed);
            if (verdict != DkimVerdict.PASS) {
                throw new IllegalStateException("Postino does not pass the benchmark message: " + verdict);
            }
        }
        for (Signed signed : List.of(rsa10k, rsa50m)) {
            if (jdkimVerify(signed).size() != 1) {
                throw new IllegalStateException("jDKIM does not pass the benchmark message");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
        dns.close();
    }

    /** Lines of text up to about {@code size} octets: relaxed and simple canonical forms are the same bytes. */
    static byte[] body(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + LINE.length);
        while (out.size() < size) {
            out.writeBytes(LINE);
        }
        return out.toByteArray();
    }

    /** Signs with c=relaxed/relaxed; the header fields above are already in relaxed form apart from the name. */
    static Signed sign(byte[] body, String algorithm, String selector, PrivateKey rsaKey,
                               Ed25519PrivateKeyParameters edKey) throws Exception {
        String bh = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        String template = "v=1; a=" + algorithm + "; c=relaxed/relaxed; d=example.test; s=" + selector + "; h=" + SIGNED
            + "; bh=" + bh + "; b=";
        StringBuilder data = new StringBuilder();
        for (String field : HEADERS) {
            int colon = field.indexOf(':');
            data.append(field.substring(0, colon).toLowerCase(Locale.ROOT)).append(':').append(field.substring(colon + 2)).append("\r\n");
        }
        data.append("dkim-signature:").append(template);
        byte[] bytes = data.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] signature;
        if (edKey != null) {
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, edKey);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            signer.update(hash, 0, hash.length);
            signature = signer.generateSignature();
        } else {
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(rsaKey);
            signer.update(bytes);
            signature = signer.sign();
        }
        List<String> fields = new ArrayList<>();
        fields.add("DKIM-Signature: " + template + Base64.getEncoder().encodeToString(signature));
        fields.addAll(List.of(HEADERS));
        ByteArrayOutputStream message = new ByteArrayOutputStream(body.length + 1024);
        for (String field : fields) {
            message.writeBytes((field + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        message.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        message.writeBytes(body);
        return new Signed(List.copyOf(fields), body, message.toByteArray());
    }

    private DkimVerdict postinoVerify(Signed signed) throws IOException {
        List<DkimResult> results = postino.verify(new ByteArrayInputStream(signed.message()));
        return results.get(0).verdict();
    }

    /** The path of James's DKIMVerify mailet: headers, newBodyHasher, the body into its stream, verify. */
    private List<SignatureRecord> jdkimVerify(Signed signed) throws Exception {
        BodyHasher hasher = jdkim.newBodyHasher(new FieldHeaders(signed.fields()));
        try (OutputStream out = hasher.getOutputStream()) {
            byte[] body = signed.body();
            for (int off = 0; off < body.length; off += 65536) {
                out.write(body, off, Math.min(65536, body.length - off));
            }
        }
        return jdkim.verify(hasher);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public DkimVerdict postinoRsa2048Message10k() throws IOException {
        return postinoVerify(rsa10k);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public List<SignatureRecord> jdkimRsa2048Message10k() throws Exception {
        return jdkimVerify(rsa10k);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public DkimVerdict postinoEd25519Message10k() throws IOException {
        return postinoVerify(ed10k);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 3)
    @Measurement(iterations = 5, time = 3)
    public DkimVerdict postinoRsa2048Body50m() throws IOException {
        return postinoVerify(rsa50m);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 3)
    @Measurement(iterations = 5, time = 3)
    public List<SignatureRecord> jdkimRsa2048Body50m() throws Exception {
        return jdkimVerify(rsa50m);
    }

    /** Header fields as James's MimeMessageHeaders gives them to jDKIM: whole fields, no CRLF, by lowercase name. */
    private static final class FieldHeaders implements Headers {
        private final List<String> fields;
        private final Map<String, List<String>> byName = new HashMap<>();

        FieldHeaders(List<String> fields) {
            this.fields = fields;
            for (String field : fields) {
                String name = field.substring(0, field.indexOf(':')).trim().toLowerCase(Locale.US);
                byName.computeIfAbsent(name, n -> new ArrayList<>()).add(field);
            }
        }

        @Override
        public List<String> getFields() {
            return fields;
        }

        @Override
        public List<String> getFields(String name) {
            return byName.getOrDefault(name.toLowerCase(Locale.US), List.of());
        }
    }

    /** Runs every benchmark here with the GC profiler, then prints Postino/jDKIM ratios. */
    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
            .include(DkimVerifyBenchmark.class.getSimpleName())
            .addProfiler(GCProfiler.class)
            .build()).run();
        Map<String, RunResult> byName = new HashMap<>();
        for (RunResult result : results) {
            String label = result.getParams().getBenchmark();
            byName.put(label.substring(label.lastIndexOf('.') + 1), result);
        }
        System.out.println();
        ratio(byName, "Rsa2048Message10k", "throughput, higher is better", true);
        ratio(byName, "Rsa2048Body50m", "time per message, lower is better", false);
        for (String name : List.of("postinoRsa2048Message10k", "jdkimRsa2048Message10k", "postinoEd25519Message10k",
            "postinoRsa2048Body50m", "jdkimRsa2048Body50m")) {
            RunResult result = byName.get(name);
            Result<?> alloc = result == null ? null : result.getSecondaryResults().get("gc.alloc.rate.norm");
            if (alloc != null) {
                System.out.printf(Locale.ROOT, "%-26s %,14.0f bytes allocated per verification%n", name, alloc.getScore());
            }
        }
    }

    private static void ratio(Map<String, RunResult> byName, String suffix, String meaning, boolean throughput) {
        RunResult postino = byName.get("postino" + suffix);
        RunResult jdkim = byName.get("jdkim" + suffix);
        if (postino == null || jdkim == null) {
            return;
        }
        double p = postino.getPrimaryResult().getScore();
        double j = jdkim.getPrimaryResult().getScore();
        System.out.printf(Locale.ROOT, "%s: Postino %.1f, jDKIM %.1f %s (%s): Postino is %.2fx jDKIM's speed%n", suffix, p, j,
            postino.getPrimaryResult().getScoreUnit(), meaning, throughput ? p / j : j / p);
    }
}
