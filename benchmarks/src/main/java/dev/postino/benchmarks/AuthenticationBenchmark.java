package dev.postino.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.authresults.MessageAuthenticator;
import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dmarc.AuthorDomains;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcOptions;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.spf.SpfEvaluator;

/**
 * The whole sender authentication of one message (SPF + DKIM + DMARC, as AuthenticationCheck and
 * {@code postino auth} run it) on a 10 KB message with one rsa-2048 signature: with warm caches (throughput, one
 * thread), and with cold caches against a loopback DNS server that delays every answer by 20 ms (time per check:
 * the lookups run side by side, so the median should stay well under five delays). Run {@code main}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AuthenticationBenchmark {

    static final Duration DNS_DELAY = Duration.ofMillis(20);

    private TestDnsServer dns;
    private TestDnsServer slowDns;
    private DnsClient client;
    private DnsClient slowClient;
    private MessageAuthenticator warm;
    private MessageAuthenticator cold;
    private byte[] message;
    private List<String> fromFields;
    private InetAddress clientIp;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        KeyPair keys = generator.generateKeyPair();
        String keyRecord = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        message = DkimVerifyBenchmark.sign(DkimVerifyBenchmark.body(10 * 1024), "rsa-sha256", "rsa", keys.getPrivate(),
            null).message();
        fromFields = AuthorDomains.fromFields(message);
        clientIp = InetAddress.getByName("192.0.2.1");

        dns = TestDnsServer.start();
        slowDns = TestDnsServer.start();
        slowDns.setAnswerDelay(DNS_DELAY);
        for (TestDnsServer server : List.of(dns, slowDns)) {
            // an include chain, as real senders publish: SPF needs three lookups one after another
            server.addTxt("example.test", "v=spf1 include:_spf.example.test -all")
                .addTxt("_spf.example.test", "v=spf1 ip4:192.0.2.0/24 -all")
                .addTxt("rsa._domainkey.example.test", keyRecord)
                .addTxt("_dmarc.example.test", "v=DMARC1; p=reject");
        }
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address())));
        slowClient = DnsClient.create(DnsConfig.defaults().withServers(List.of(slowDns.address())));
        warm = authenticator(client);
        cold = authenticator(slowClient);
        if (check(warm) != DmarcVerdict.PASS || check(cold) != DmarcVerdict.PASS) {
            throw new IllegalStateException("the benchmark message does not pass DMARC");
        }
    }

    private static MessageAuthenticator authenticator(DnsClient dnsClient) {
        return new MessageAuthenticator(new SpfEvaluator(dnsClient), new DkimVerifier(dnsClient, DkimOptions.defaults()),
            new DmarcEvaluator(dnsClient, DmarcOptions.defaults()));
    }

    private DmarcVerdict check(MessageAuthenticator authenticator) throws IOException {
        return authenticator.authenticate(clientIp, "joe@example.test", "mail.example.test", fromFields,
            new ByteArrayInputStream(message)).dmarc().verdict();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
        slowClient.close();
        dns.close();
        slowDns.close();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public DmarcVerdict warmCaches() throws IOException {
        return check(warm);
    }

    /** Every DNS answer is forgotten before the check, so each of its lookups waits 20 ms again. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public DmarcVerdict coldCachesDnsDelay20ms() throws IOException {
        slowClient.clearCache();
        return check(cold);
    }

    /** Runs both, then prints messages per second and the median cold check in DNS delays. */
    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
            .include(AuthenticationBenchmark.class.getSimpleName())
            .build()).run();
        System.out.println();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            if (name.endsWith("warmCaches")) {
                System.out.printf(Locale.ROOT, "warm caches: %,.0f messages/s on one thread%n",
                    result.getPrimaryResult().getScore());
            } else {
                double median = result.getPrimaryResult().getStatistics().getPercentile(50);
                System.out.printf(Locale.ROOT, "cold caches, %d ms per DNS answer: median %.1f ms = %.1f delays%n",
                    DNS_DELAY.toMillis(), median, median / DNS_DELAY.toMillis());
            }
        }
    }
}
