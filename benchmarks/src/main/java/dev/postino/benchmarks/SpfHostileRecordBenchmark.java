package dev.postino.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfOptions;
import dev.postino.core.spf.SpfRequest;

/**
 * What a hostile SPF record costs: one whole check by Postino's {@link SpfEvaluator}, with a new evaluator each
 * time (its parsed-record cache cold, as for a record an attacker varies per mail) and the DNS cache warm, so
 * the check runs on the benchmark thread and its CPU time is measured there (the {@code cpuNanos} counter).
 * {@code case}:
 * <ul>
 *   <li>{@code macros64k}: 64,000 octets, ten {@code a:} terms of {@code %{d}} repeated, for a domain of 120
 *       one-letter labels (each expands to 400 KB before the cut), the length cap lifted: parsed and evaluated
 *       whole, {@code fail}</li>
 *   <li>{@code label60k}: {@code a:x.} and a 60,000-digit label, the cap lifted: {@code permerror} (syntax)</li>
 *   <li>{@code capped64k}: the {@code macros64k} record with the default options: {@code permerror} at the
 *       4,096-octet record length cap</li>
 * </ul>
 * Run {@link #main} (JMH options pass through): it prints the median CPU time per evaluation for each case.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpfHostileRecordBenchmark {

    private static final String DOMAIN = "a.".repeat(120) + "hostile.test";
    private static final int RECORD_LENGTH = 64_000;

    @Param({"macros64k", "label60k", "capped64k"})
    public String scenario;

    private TestDnsServer server;
    private DnsClient client;
    private SpfOptions options;
    private SpfRequest request;
    private String expected;

    /** CPU time of the benchmark thread, per evaluation; JMH reports the totals, {@link #main} the ratio. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long cpuNanos;
        public long evaluations;

        long now() {
            return THREADS.getCurrentThreadCpuTime();
        }

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            evaluations = 0;
        }
    }

    /** {@code v=spf1}, ten {@code a:%{d}%{d}...} terms, {@code -all}: {@code length} octets. */
    static String macroRecord(int length) {
        int perTerm = (length - "v=spf1 -all".length()) / 10 - " a:".length();
        String term = " a:" + "%{d}".repeat(perTerm / 4);
        StringBuilder record = new StringBuilder("v=spf1").append(term.repeat(10)).append(" -all");
        while (record.length() < length) {
            record.insert(6, ' ');
        }
        return record.toString();
    }

    /**
     * The name each {@code a:} term asks: RFC 7208 §7.3's cut of {@code %{d}} repeated, the labels that start
     * after the first dot of its last 254 characters (periodic, so three copies of the domain show them).
     */
    private static String cutName() {
        String expanded = DOMAIN.repeat(3);
        return expanded.substring(expanded.indexOf('.', expanded.length() - 254) + 1);
    }

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = TestDnsServer.start();
        String record = scenario.equals("label60k") ? "v=spf1 a:x." + "1".repeat(60_000) + " -all" : macroRecord(RECORD_LENGTH);
        server.addTxt(DOMAIN, record);
        // the name every a: term asks, so that none is a void lookup and all ten are evaluated
        server.add(cutName() + ". 3600 IN A 198.51.100.1");
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address())));
        options = scenario.equals("capped64k") ? SpfOptions.defaults() : SpfOptions.defaults().withMaxRecordLength(65_535);
        InetAddress ip = IpLiteral.parse("192.0.2.10");
        request = SpfRequest.mailFrom(ip, "bob@" + DOMAIN, "mail.client.test");
        expected = scenario.equals("macros64k") ? "fail" : "permerror";
        String verdict = new SpfEvaluator(client, options).evaluateBlocking(request).verdict().keyword();
        if (!verdict.equals(expected)) {
            throw new IllegalStateException(scenario + ": expected " + expected + ", got " + verdict);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        client.close();
        server.close();
    }

    @Benchmark
    public String evaluate(Cpu cpu) {
        long start = cpu.now();
        String verdict = new SpfEvaluator(client, options).evaluateBlocking(request).verdict().keyword();
        cpu.cpuNanos += cpu.now() - start;
        cpu.evaluations++;
        return verdict;
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(commandLine);
        if (commandLine.getIncludes().isEmpty()) {
            options.include(SpfHostileRecordBenchmark.class.getName());
        }
        for (RunResult result : new Runner(options.build()).run()) {
            // the median over iterations of each iteration's CPU time per evaluation
            List<Double> perIteration = new ArrayList<>();
            for (BenchmarkResult benchmark : result.getBenchmarkResults()) {
                for (IterationResult iteration : benchmark.getIterationResults()) {
                    Map<String, Result> counters = iteration.getSecondaryResults();
                    perIteration.add(counters.get("cpuNanos").getScore() / counters.get("evaluations").getScore() / 1e6);
                }
            }
            Collections.sort(perIteration);
            double median = perIteration.size() % 2 == 1 ? perIteration.get(perIteration.size() / 2)
                : (perIteration.get(perIteration.size() / 2 - 1) + perIteration.get(perIteration.size() / 2)) / 2;
            System.out.printf("SPF hostile %s: %.3f ms of CPU per evaluation (median of %d iterations; %s), %.3f ms/op average%n",
                result.getParams().getParam("scenario"), median, perIteration.size(), perIteration.stream()
                    .map(v -> String.format("%.3f", v)).toList(), result.getPrimaryResult().getScore());
        }
    }
}
