package dev.postino.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.james.jspf.core.DNSService;
import org.apache.james.jspf.core.DNSServiceEnabled;
import org.apache.james.jspf.core.MacroExpand;
import org.apache.james.jspf.core.MacroExpandEnabled;
import org.apache.james.jspf.core.SPFCheckEnabled;
import org.apache.james.jspf.executor.SynchronousSPFExecutor;
import org.apache.james.jspf.impl.DNSServiceXBillImpl;
import org.apache.james.jspf.impl.DefaultTermsFactory;
import org.apache.james.jspf.impl.SPF;
import org.apache.james.jspf.parser.RFC4408SPF1Parser;
import org.apache.james.jspf.wiring.WiringServiceTable;
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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.xbill.DNS.SimpleResolver;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfRequest;

/**
 * One SPF check of a realistic policy (ip4/ip6 lists, an {@code mx}, an {@code a}, includes three deep) by
 * Postino's {@link SpfEvaluator} and by Apache jSPF (what James's SPF mailet runs), both asking the same
 * in-process DNS server through a warm cache. {@code case}: {@code deepPass} matches in the third include,
 * {@code fail} walks every term and ends at {@code -all}. Run {@link #main} (JMH options pass through, e.g.
 * {@code -wi 1 -i 3}): it prints Postino's throughput as a multiple of jSPF's for each case.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpfBenchmark {

    private static final String ZONE = String.join("\n",
        "example.test. 3600 IN TXT \"v=spf1 ip4:192.0.2.0/25 ip4:198.51.100.0/24 ip6:2001:db8::/48 mx include:_spf1.example.test -all\"",
        "example.test. 3600 IN MX 10 mx1.example.test.",
        "example.test. 3600 IN MX 20 mx2.example.test.",
        "mx1.example.test. 3600 IN A 192.0.2.201",
        "mx2.example.test. 3600 IN A 192.0.2.202",
        "_spf1.example.test. 3600 IN TXT \"v=spf1 ip4:203.0.113.0/24 ip6:2001:db8:1::/48 include:_spf2.example.test ~all\"",
        "_spf2.example.test. 3600 IN TXT \"v=spf1 ip4:192.0.2.128/26 a:relay.example.test include:_spf3.example.test ~all\"",
        "relay.example.test. 3600 IN A 192.0.2.250",
        "_spf3.example.test. 3600 IN TXT \"v=spf1 ip4:10.1.0.0/16 ip4:10.2.0.0/16 ip6:2001:db8:2::/48 -all\"");

    @Param({"deepPass", "fail"})
    public String scenario;

    private TestDnsServer server;
    private DnsClient client;
    private SpfEvaluator postino;
    private SPF jspf;
    private InetAddress ip;
    private String ipText;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = TestDnsServer.start();
        server.loadZone(ZONE, ".");
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(server.address())));
        postino = new SpfEvaluator(client);
        jspf = jspf(new SimpleResolver(server.address()));
        ipText = scenario.equals("deepPass") ? "10.2.3.4" : "172.16.0.1";
        ip = IpLiteral.parse(ipText);
        String expected = scenario.equals("deepPass") ? "pass" : "fail";
        // both must agree on the verdict, or the comparison means nothing
        String ours = postino();
        String theirs = jspf();
        if (!ours.equals(expected) || !theirs.equals(expected)) {
            throw new IllegalStateException("expected " + expected + ", Postino gave " + ours + ", jSPF gave " + theirs);
        }
    }

    /**
     * jSPF as its SPF(DNSService) constructor wires it, but with its synchronous executor: the asynchronous one
     * of 1.0.3 asks the system's resolvers whatever resolver the DNS service was given.
     */
    private static SPF jspf(SimpleResolver resolver) {
        DNSService dns = new DNSServiceXBillImpl(resolver);
        WiringServiceTable wiring = new WiringServiceTable();
        wiring.put(DNSServiceEnabled.class, dns);
        MacroExpand macroExpand = new MacroExpand(dns);
        wiring.put(MacroExpandEnabled.class, macroExpand);
        SPF spf = new SPF(dns, new RFC4408SPF1Parser(new DefaultTermsFactory(wiring)), macroExpand,
            new SynchronousSPFExecutor(dns));
        wiring.put(SPFCheckEnabled.class, spf);
        return spf;
    }

    @TearDown(Level.Trial)
    public void stop() {
        client.close();
        server.close();
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(commandLine);
        if (commandLine.getIncludes().isEmpty()) {
            options.include(SpfBenchmark.class.getName());
        }
        Map<String, Map<String, Double>> scores = new TreeMap<>();
        for (RunResult result : new Runner(options.build()).run()) {
            String method = result.getParams().getBenchmark();
            scores.computeIfAbsent(result.getParams().getParam("scenario"), s -> new TreeMap<>())
                .put(method.substring(method.lastIndexOf('.') + 1), result.getPrimaryResult().getScore());
        }
        scores.forEach((scenario, byEngine) -> {
            Double ours = byEngine.get("postino");
            Double theirs = byEngine.get("jspf");
            if (ours != null && theirs != null) {
                System.out.printf("SPF %s: Postino %.0f ops/s, jSPF %.0f ops/s, ratio %.1fx%n", scenario, ours, theirs, ours / theirs);
            }
        });
    }

    @Benchmark
    public String postino() {
        return postino.evaluateBlocking(SpfRequest.mailFrom(ip, "alice@example.test", "mail.client.test")).verdict().keyword();
    }

    @Benchmark
    public String jspf() {
        return jspf.checkSPF(ipText, "alice@example.test", "mail.client.test").getResult();
    }
}
