package dev.postino.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.postino.core.bounce.BounceReader;
import dev.postino.core.bounce.BounceReport;

/**
 * {@link BounceReader#read(byte[])} over Sisimai's sample corpus (core/src/test/resources/bounce/corpus, or
 * -Dbounce.corpus=DIR), one message per operation in turn, so operations per second are messages per second on
 * one core; and one read of a 50 MB bounce (a short DSN before a 50 MB returned original), which the reader
 * must finish in bounded time because it scans only its first 2 MiB. James has no bounce reader to compare with.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BounceReaderBenchmark {

    private List<byte[]> corpus;
    private int next;
    private byte[] huge;

    @Setup
    public void load() throws IOException {
        Path dir = Path.of(System.getProperty("bounce.corpus", "core/src/test/resources/bounce/corpus"));
        try (Stream<Path> files = Files.list(dir)) {
            corpus = new ArrayList<>();
            for (Path p : files.filter(p -> p.toString().endsWith(".eml")).sorted().toList()) {
                corpus.add(Files.readAllBytes(p));
            }
        }
        if (corpus.isEmpty()) {
            throw new IllegalStateException("no .eml files in " + dir.toAbsolutePath());
        }
        huge = hugeBounce(50 << 20);
    }

    /** A Postfix-style DSN whose returned original is a base64 attachment of the given size. */
    static byte[] hugeBounce(int size) {
        String head = "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.org\r\n"
                + "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
                + "--B\r\nContent-Type: text/plain\r\n\r\n<user@example.com>: host mx.example.com said: 550 5.1.1 "
                + "user unknown (in reply to RCPT TO command)\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
                + "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; user@example.com\r\n"
                + "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
                + "--B\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <a@example.org>\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 4096);
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        out.write(h, 0, h.length);
        byte[] line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        while (out.size() < size) {
            out.write(line, 0, line.length);
        }
        byte[] tail = "\r\n--B--\r\n".getBytes(StandardCharsets.US_ASCII);
        out.write(tail, 0, tail.length);
        return out.toByteArray();
    }

    /**
     * Messages per CPU-second of the reading thread over 20 passes of the corpus after 20 of warm-up: a figure
     * that a loaded machine does not distort (wall-clock throughput counts the time the thread waits for a core).
     */
    public static void main(String[] args) throws IOException {
        BounceReaderBenchmark b = new BounceReaderBenchmark();
        b.load();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int pass = 0; pass < 20; pass++) {
            for (byte[] m : b.corpus) {
                BounceReader.read(m);
            }
        }
        long cpu = threads.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        int passes = 20;
        for (int pass = 0; pass < passes; pass++) {
            for (byte[] m : b.corpus) {
                BounceReader.read(m);
            }
        }
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
        double wallSeconds = (System.nanoTime() - wall) / 1e9;
        int messages = passes * b.corpus.size();
        System.out.printf("%d messages: %.0f per CPU-second of one core, %.0f per wall-clock second%n", messages,
                messages / cpuSeconds, messages / wallSeconds);
        long cpu50 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < 5; i++) {
            b.fiftyMegabyteBounce();
        }
        System.out.printf("50 MB bounce: %.1f ms of CPU per read%n", (threads.getCurrentThreadCpuTime() - cpu50) / 5e6);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public BounceReport corpusMessage() {
        byte[] message = corpus.get(next);
        next = next + 1 == corpus.size() ? 0 : next + 1;
        return BounceReader.read(message);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public BounceReport fiftyMegabyteBounce() {
        BounceReport report = BounceReader.read(huge);
        if (!report.bounce()) {
            throw new UncheckedIOException(new IOException("the 50 MB bounce was not read as one"));
        }
        return report;
    }
}
