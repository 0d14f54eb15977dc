package dev.postino.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.jdkim.mailets.DKIMSign;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetContext;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.dkim.DkimAlgorithm;
import dev.postino.core.dkim.DkimSigner;
import dev.postino.core.dkim.DkimSigningKey;
import dev.postino.james.mailets.DkimSign;

/**
 * DKIM signing, every case on the same message, a 0.9 KB text mail and a 4.3 KB one with a small attachment
 * ({@link #message}):
 * <ul>
 *   <li>Postino's signer (core, as the mailet calls it: stream in, DKIM-Signature fields out), rsa-sha256 with a
 *       2048-bit key and ed25519-sha256, against the raw sign rate of the providers it uses (the JDK's
 *       SHA256withRSA on the header data; BouncyCastle's Ed25519 on a SHA-256 hash, and the algorithm
 *       ed25519-sha256 on the header data, SHA-256 then Ed25519, as SHA256withRSA is rsa-sha256's), and against the
 *       crypto this message needs whoever signs it ({@code crypto*}: the same sign plus SHA-256 over the body, and
 *       for ed25519 over the header data): goal 0.9x. Beside a 36 µs Ed25519 sign, hashing a 4 KB body alone takes
 *       7-9%, so the sign-only ratio for ed25519 cannot reach 0.9x on the larger message for any signer; the crypto
 *       ratio is the one that says whether the crypto is the limit;</li>
 *   <li>Postino's {@code DkimSign} mailet against James 3.8.1's {@code DKIMSign} mailet (jDKIM 0.3), rsa-sha256
 *       with the same key, each on a fresh James {@code Mail} parsed from the same bytes: goal 1.0x. Postino adds
 *       more work here (oversigning of 22 names, the From check), and is still compared as it ships.</li>
 * </ul>
 * Run {@code main}: it prints each median (ops/s) and the ratios, one fork per case; {@code main paired N} runs every
 * case in one JVM in N rounds, the comparison to quote on a noisy machine ({@link #paired}). A long first warm-up, so
 * that the JIT has compiled the signer's path (under load it lags, and a short warm-up measured the interpreter).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 12, time = 1)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(java.util.concurrent.TimeUnit.SECONDS)
public class DkimSignBenchmark {

    @Param({"1k", "4k"})
    public String size;

    /** Made once per JVM: the paired mode sets up each case many times in one JVM. */
    private static final DkimSigningKey RSA_KEY = DkimSigningKey.generate("example.test", "rsa", DkimAlgorithm.RSA_SHA256, 2048);
    private static final DkimSigningKey ED_KEY = DkimSigningKey.generate("example.test", "ed", DkimAlgorithm.ED25519_SHA256, 0);

    private byte[] message;
    private DkimSigner signer;
    private DkimSigningKey rsaKey;
    private DkimSigningKey edKey;
    private List<DkimSigningKey> rsaKeys;
    private List<DkimSigningKey> edKeys;
    private PrivateKey jdkRsa;
    private Ed25519PrivateKeyParameters bcEd;
    private byte[] headerData;
    private byte[] headerHash;
    private byte[] body;
    private Session session;
    private DKIMSign james;
    private DkimSign postino;

    @Setup
    public void setUp() throws Exception {
        message = message(size).getBytes(StandardCharsets.US_ASCII);

        signer = new DkimSigner(Clock.systemUTC(), null, null);
        rsaKey = RSA_KEY;
        edKey = ED_KEY;
        rsaKeys = List.of(rsaKey);
        edKeys = List.of(edKey);
        String rsaPem = rsaKey.privateKeyPem();
        jdkRsa = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(
            rsaPem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").strip())));
        bcEd = (Ed25519PrivateKeyParameters) org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(
            Base64.getMimeDecoder().decode(edKey.privateKeyPem().replace("-----BEGIN PRIVATE KEY-----", "")
                .replace("-----END PRIVATE KEY-----", "").strip()));
        // what each signature signs: the canonical signed fields and the DKIM-Signature field itself
        String signed = new String(signer.sign(message, rsaKeys), StandardCharsets.ISO_8859_1);
        headerData = signed.substring(0, signed.indexOf("\r\n\r\n")).getBytes(StandardCharsets.ISO_8859_1);
        headerHash = MessageDigest.getInstance("SHA-256").digest(headerData);
        String whole = new String(message, StandardCharsets.ISO_8859_1);
        // already canonical (relaxed): no trailing whitespace, no whitespace runs, no trailing empty lines
        body = whole.substring(whole.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);

        session = Session.getInstance(new Properties());
        Path pem = Files.createTempFile("postino-bench-", ".pem");
        pem.toFile().deleteOnExit();
        Files.writeString(pem, rsaPem);
        james = new DKIMSign();
        james.init(config("DKIMSign", Map.of("signatureTemplate",
            "v=1; s=rsa; d=example.test; h=from:to:cc:subject:date:message-id:mime-version:content-type; a=rsa-sha256; "
                + "bh=; b=; c=relaxed/relaxed;", "privateKey", rsaPem)));
        postino = new DkimSign(null);
        postino.init(config("DkimSign", Map.of("keys", "example.test:rsa:rsa-sha256:" + pem.toAbsolutePath())));
        String ours = new String(mailBytes(postinoMailetRsa()), StandardCharsets.ISO_8859_1);
        String theirs = new String(mailBytes(jamesMailetRsa()), StandardCharsets.ISO_8859_1);
        if (!ours.contains("DKIM-Signature: v=1; a=rsa-sha256;") || !theirs.contains("DKIM-Signature:")) {
            throw new IllegalStateException("a mailet did not sign:\n" + ours.substring(0, 600) + "\n" + theirs.substring(0, 600));
        }
    }

    /**
     * The message signed: {@code 1k}, a short text mail (the same fields, five lines of text: 0.9 KB); {@code 4k},
     * text and a small attachment (4.3 KB).
     */
    static String message(String size) {
        StringBuilder text = new StringBuilder()
            .append("From: Joe Sender <joe@example.test>\r\n")
            .append("To: Ann Receiver <ann@example.net>\r\n")
            .append("Cc: team@example.net\r\n")
            .append("Subject: quarterly figures\r\n")
            .append("Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n")
            .append("Message-ID: <benchmark-1@example.test>\r\n")
            .append("MIME-Version: 1.0\r\n");
        if (size.equals("1k")) {
            text.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
            for (int i = 0; i < 5; i++) {
                text.append("The figures for the quarter are attached below, with the usual notes and caveats.\r\n");
            }
            return text.toString();
        }
        text.append("Content-Type: multipart/mixed; boundary=\"b1\"\r\n")
            .append("\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        for (int i = 0; i < 20; i++) {
            text.append("The figures for the quarter are attached below, with the usual notes and caveats.\r\n");
        }
        text.append("--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            .append(Base64.getMimeEncoder().encodeToString(new byte[1500])).append("\r\n--b1--\r\n");
        return text.toString();
    }

    @Benchmark
    public List<String> postinoRsa() throws Exception {
        return signer.sign(new ByteArrayInputStream(message), domain -> rsaKeys);
    }

    @Benchmark
    public List<String> postinoEd25519() throws Exception {
        return signer.sign(new ByteArrayInputStream(message), domain -> edKeys);
    }

    @Benchmark
    public byte[] rawRsa() throws Exception {
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(jdkRsa);
        rsa.update(headerData);
        return rsa.sign();
    }

    @Benchmark
    public byte[] rawEd25519() {
        Ed25519Signer ed = new Ed25519Signer();
        ed.init(true, bcEd);
        ed.update(headerHash, 0, headerHash.length);
        return ed.generateSignature();
    }

    /**
     * The algorithm ed25519-sha256 (RFC 8463 §3) on the header data, as {@link #rawRsa} is rsa-sha256's
     * (SHA256withRSA hashes inside): SHA-256 of the header data, then BouncyCastle's Ed25519 on that hash.
     */
    @Benchmark
    public byte[] rawEd25519Sha256() throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(headerData);
        Ed25519Signer ed = new Ed25519Signer();
        ed.init(true, bcEd);
        ed.update(hash, 0, hash.length);
        return ed.generateSignature();
    }

    /**
     * The provider work one rsa-sha256 signature of this message needs and no signer can avoid: the JDK's SHA-256
     * over the (already canonical) body, then SHA256withRSA over the header data.
     */
    @Benchmark
    public byte[] cryptoRsa() throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] bodyHash = sha256.digest(body);
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(jdkRsa);
        rsa.update(headerData);
        byte[] signature = rsa.sign();
        signature[0] ^= bodyHash[0]; // both results used
        return signature;
    }

    /**
     * The same for ed25519-sha256 (RFC 8463): SHA-256 over the body and over the header data, then BouncyCastle's
     * Ed25519 over that hash.
     */
    @Benchmark
    public byte[] cryptoEd25519() throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] bodyHash = sha256.digest(body);
        byte[] hash = sha256.digest(headerData);
        Ed25519Signer ed = new Ed25519Signer();
        ed.init(true, bcEd);
        ed.update(hash, 0, hash.length);
        byte[] signature = ed.generateSignature();
        signature[0] ^= bodyHash[0];
        return signature;
    }

    @Benchmark
    public Mail postinoMailetRsa() throws Exception {
        Mail mail = mail();
        postino.service(mail);
        return mail;
    }

    @Benchmark
    public Mail jamesMailetRsa() throws Exception {
        Mail mail = mail();
        james.service(mail);
        return mail;
    }

    private Mail mail() throws Exception {
        Mail mail = MailImpl.builder().name("bench").sender("joe@example.test").addRecipient("ann@example.net")
            .mimeMessage(new MimeMessage(session, new ByteArrayInputStream(message))).remoteAddr("192.0.2.7")
            .addAttribute(new org.apache.mailet.Attribute(Mail.SMTP_AUTH_USER, org.apache.mailet.AttributeValue.of("joe@example.test")))
            .build();
        return mail;
    }

    private static byte[] mailBytes(Mail mail) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        mail.getMessage().writeTo(out);
        return out.toByteArray();
    }

    private static MailetConfig config(String name, Map<String, String> parameters) {
        return new MailetConfig() {
            @Override
            public String getInitParameter(String key) {
                return parameters.get(key);
            }

            @Override
            public Iterator<String> getInitParameterNames() {
                return parameters.keySet().iterator();
            }

            @Override
            public MailetContext getMailetContext() {
                return null;
            }

            @Override
            public String getMailetName() {
                return name;
            }
        };
    }

    /**
     * Runs every benchmark here once, then prints the medians and the ratios, per message size. With the argument
     * {@code paired N}, runs instead every case in N short rounds in this JVM and prints the median of the
     * per-round ratios ({@link #paired}).
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("paired")) {
            paired(Integer.parseInt(args[1]));
            return;
        }
        if (args.length == 2 && args[0].equals("interleaved")) {
            interleaved(Integer.parseInt(args[1]));
            return;
        }
        Collection<RunResult> results = new Runner(new OptionsBuilder()
            .include(DkimSignBenchmark.class.getSimpleName()).build()).run();
        Map<String, Double> medians = new HashMap<>();
        for (RunResult result : results) {
            medians.put(key(result), result.getPrimaryResult().getStatistics().getPercentile(50));
        }
        System.out.println();
        medians.keySet().stream().sorted().forEach(name ->
            System.out.printf(Locale.ROOT, "%-21s median %,10.0f signatures/s%n", name, medians.get(name)));
        for (String size : List.of("1k", "4k")) {
            System.out.println(size + " message:");
            ratio(medians, size, "postinoRsa", "rawRsa", "Postino rsa-sha256 / raw RSA-2048 sign (goal 0.9)");
            ratio(medians, size, "postinoEd25519", "rawEd25519", "Postino ed25519-sha256 / raw Ed25519 sign (goal 0.9)");
            ratio(medians, size, "postinoEd25519", "rawEd25519Sha256", "Postino ed25519-sha256 / raw ed25519-sha256 sign: SHA-256 of the header data + Ed25519");
            ratio(medians, size, "postinoRsa", "cryptoRsa", "Postino rsa-sha256 / the message's crypto: body SHA-256 + RSA sign");
            ratio(medians, size, "postinoEd25519", "cryptoEd25519", "Postino ed25519-sha256 / the message's crypto: body and header SHA-256 + Ed25519");
            ratio(medians, size, "postinoMailetRsa", "jamesMailetRsa", "Postino DkimSign / James DKIMSign, rsa (goal 1.0)");
        }
    }

    private static String key(RunResult result) {
        String label = result.getParams().getBenchmark();
        return label.substring(label.lastIndexOf('.') + 1) + " " + result.getParams().getParam("size");
    }

    /**
     * Every comparison in one JVM (JMH without a fork), in N short rounds per size: in each round every case runs one
     * warm-up and two measured seconds, one case after another, and each ratio is taken within the round. All cases
     * run BouncyCastle and the JDK as this JVM compiled them once (separate forks each draw their own compilation of
     * BouncyCastle's field arithmetic, up to 25% apart here), and cases side by side in time see the same load on a
     * shared machine. Prints the median of the per-round ratios, and their range.
     */
    private static void paired(int rounds) throws Exception {
        List<String> cases = List.of("rawEd25519", "rawEd25519Sha256", "cryptoEd25519", "postinoEd25519", "rawRsa", "cryptoRsa",
            "postinoRsa", "jamesMailetRsa", "postinoMailetRsa");
        Map<String, List<Double>> ratios = new java.util.LinkedHashMap<>();
        for (String size : List.of("1k", "4k")) {
            for (int round = 1; round <= rounds; round++) {
                Map<String, Double> medians = new HashMap<>();
                for (String name : cases) {
                    for (RunResult result : new Runner(new OptionsBuilder()
                        .include(DkimSignBenchmark.class.getSimpleName() + "." + name + "$").param("size", size)
                        .forks(0).warmupIterations(round == 1 ? 5 : 1)
                        .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                        .measurementIterations(2).build()).run()) {
                        medians.put(name, result.getPrimaryResult().getStatistics().getPercentile(50));
                    }
                }
                StringBuilder line = new StringBuilder("round " + round + " " + size + ":");
                for (String[] pair : PAIRS) {
                    double ratio = medians.get(pair[0]) / medians.get(pair[1]);
                    ratios.computeIfAbsent(size + " " + pair[2], k -> new java.util.ArrayList<>()).add(ratio);
                    line.append(String.format(Locale.ROOT, " %.2f", ratio));
                }
                System.out.println(line);
            }
        }
        System.out.println();
        ratios.forEach((what, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            System.out.printf(Locale.ROOT, "%-60s median of %d rounds %.2fx (range %.2f to %.2f)%n",
                what, sorted.size(), sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
        });
    }

    /** The comparisons the paired and interleaved modes print: ours, theirs, what. */
    private static final String[][] PAIRS = {
        {"postinoEd25519", "rawEd25519", "Postino ed25519-sha256 / raw Ed25519 sign"},
        {"postinoEd25519", "rawEd25519Sha256", "Postino ed25519-sha256 / raw ed25519-sha256 sign"},
        {"postinoEd25519", "cryptoEd25519", "Postino ed25519-sha256 / the message's crypto"},
        {"postinoRsa", "rawRsa", "Postino rsa-sha256 / raw RSA-2048 sign"},
        {"postinoRsa", "cryptoRsa", "Postino rsa-sha256 / the message's crypto"},
        {"postinoMailetRsa", "jamesMailetRsa", "Postino DkimSign / James DKIMSign, rsa"},
    };

    /**
     * The same benchmark methods, each pair alternated in short batches (about 2 ms each, ours then theirs, then
     * theirs then ours) {@code n} times, in this JVM after 10 s of warm-up per case; prints per pair the median of
     * the n per-batch throughput ratios, and their quartiles. Where the paired mode compares seconds a few seconds
     * apart, this compares milliseconds a millisecond apart: a shared machine's load, which shifts by tens of
     * percent from one second to the next, then weighs on both sides of nearly every ratio alike. Results go to a
     * JMH Blackhole, as in a JMH run.
     */
    private static void interleaved(int n) throws Exception {
        org.openjdk.jmh.infra.Blackhole sink = new org.openjdk.jmh.infra.Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        for (String size : List.of("1k", "4k")) {
            DkimSignBenchmark bench = new DkimSignBenchmark();
            bench.size = size;
            bench.setUp();
            Map<String, java.util.concurrent.Callable<Object>> cases = new java.util.LinkedHashMap<>();
            cases.put("rawEd25519", bench::rawEd25519);
            cases.put("rawEd25519Sha256", bench::rawEd25519Sha256);
            cases.put("cryptoEd25519", bench::cryptoEd25519);
            cases.put("postinoEd25519", bench::postinoEd25519);
            cases.put("rawRsa", bench::rawRsa);
            cases.put("cryptoRsa", bench::cryptoRsa);
            cases.put("postinoRsa", bench::postinoRsa);
            cases.put("jamesMailetRsa", bench::jamesMailetRsa);
            cases.put("postinoMailetRsa", bench::postinoMailetRsa);
            Map<String, Integer> batch = new HashMap<>();
            for (int pass = 0; pass < 5; pass++) { // 5 passes of 2 s per case: compiled, and the batch sized
                for (Map.Entry<String, java.util.concurrent.Callable<Object>> c : cases.entrySet()) {
                    long ops = 0;
                    long start = System.nanoTime();
                    while (System.nanoTime() - start < 2_000_000_000L) {
                        sink.consume(c.getValue().call());
                        ops++;
                    }
                    batch.put(c.getKey(), (int) Math.max(1, ops / 1000)); // about 2 ms
                }
            }
            for (String[] pair : PAIRS) {
                double[] ratios = new double[n];
                for (int k = 0; k < n; k++) {
                    boolean oursFirst = k % 2 == 0;
                    double first = perSecond(cases.get(oursFirst ? pair[0] : pair[1]), batch.get(oursFirst ? pair[0] : pair[1]), sink);
                    double second = perSecond(cases.get(oursFirst ? pair[1] : pair[0]), batch.get(oursFirst ? pair[1] : pair[0]), sink);
                    ratios[k] = oursFirst ? first / second : second / first;
                }
                Arrays.sort(ratios);
                System.out.printf(Locale.ROOT, "%s %-52s median of %d batch pairs %.3fx (quartiles %.3f to %.3f)%n",
                    size, pair[2], n, ratios[n / 2], ratios[n / 4], ratios[3 * n / 4]);
            }
        }
    }

    private static double perSecond(java.util.concurrent.Callable<Object> op, int count,
                                    org.openjdk.jmh.infra.Blackhole sink) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            sink.consume(op.call());
        }
        return count * 1e9 / (System.nanoTime() - start);
    }

    private static void ratio(Map<String, Double> medians, String size, String ours, String theirs, String what) {
        Double a = medians.get(ours + " " + size);
        Double b = medians.get(theirs + " " + size);
        if (a != null && b != null) {
            System.out.printf(Locale.ROOT, "  %s: %.2fx%n", what, a / b);
        }
    }
}
