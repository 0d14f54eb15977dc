package dev.postino.it.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.james.utils.WebAdminGuiceProbe;
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
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.it.JamesMemoryServer;
import dev.postino.it.ScriptedSmtpPeer;
import dev.postino.it.SmtpSession;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

/**
 * Remote delivery in a real James 3.8.1 with the sample configuration: {@code messages} mails of about 10 KB, sent
 * over SMTP from 127.0.0.1 (an authorized address, so James relays them) to recipients at {@code remote.test}, until a
 * local SMTP sink ({@link ScriptedSmtpPeer}, 250 to everything) has accepted all of them. {@code timed} says what the
 * clock covers: {@code smtpToSink} is the whole way, from the first SMTP connection into James to the last message at
 * the sink; {@code delivery} starts with the mails already accepted and parked in a mail repository (sent there,
 * untimed, before each iteration) and times their release to the {@code relay} processor (WebAdmin's reprocess) until
 * the last one is at the sink, so that SMTP intake, which is slower than either delivery mailet, does not hide them.
 * {@code relay} picks the mailet of the sample's {@code relay} processor: {@code postino} is
 * Postino's {@code PolicyRemoteDelivery} (MX of {@code remote.test} in a test DNS server, pointing at 127.0.0.1, the
 * sink's port as {@code port}), {@code james} is James's own {@code RemoteDelivery} with the sink as
 * {@code gateway}/{@code gatewayPort}. Everything else (SMTP intake, the root processor's DKIM, iprev and SPF steps,
 * the memory mail queue, the spooler's 4 threads) is the same for both; one James per trial, the sink reset per
 * iteration.
 *
 * <p>Run by hand (about five minutes for the four trials; the drop-in jar stays off the classpath, James loads it
 * from {@code extensions-jars/} as in a real install):
 * <pre>
 * mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
 *     -DexcludeArtifactIds=postino-extension \
 *     -Dmdep.outputFile=target/bench-classpath.txt -pl integration-tests -am
 * java -cp integration-tests/target/test-classes:integration-tests/target/classes:$(cat integration-tests/target/bench-classpath.txt) \
 *     dev.postino.it.bench.DeliveryBenchmark
 * </pre>
 * JMH options pass through (e.g. {@code -p messages=500 -p timed=delivery -i 5}); at the end it prints the median per
 * mailet, the messages per second and the ratio Postino/James.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dlogback.configurationFile=logback-bench.xml")
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
public class DeliveryBenchmark {

    private static final String REMOTE_DOMAIN = "remote.test";
    private static final int MESSAGE_SIZE = 10 * 1024;
    /** Parallel SMTP sessions into James: a single one would make intake slower still. */
    private static final int CLIENTS = 4;
    private static final long DELIVERY_TIMEOUT_MS = 120_000;
    private static final MailRepositoryUrl HOLD = MailRepositoryUrl.from("memory://var/mail/bench-hold/");
    private static final Pattern POLICY_REMOTE_DELIVERY = Pattern.compile(
        "<mailet match=\"All\" class=\"dev\\.postino\\.james\\.mailets\\.PolicyRemoteDelivery\">.*?</mailet>", Pattern.DOTALL);

    @Param({"postino", "james"})
    public String relay;

    @Param({"delivery", "smtpToSink"})
    public String timed;

    @Param("200")
    public int messages;

    private TestDnsServer dns;
    private ScriptedSmtpPeer sink;
    private JamesMemoryServer james;
    private ExecutorService clients;
    private byte[] message;
    private long intakeNanos;
    private HttpClient http;
    private URI release;

    /**
     * James 3.8.1's RemoteDelivery has no {@code deliveryThreads} (it ignores it): it delivers on a reactor
     * bounded-elastic scheduler, at most min(10 x cores, 256) at once. PolicyRemoteDelivery gets the same number.
     */
    static int jamesDeliveryConcurrency() {
        return Math.min(Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE, Queues.SMALL_BUFFER_SIZE);
    }

    @Setup(Level.Trial)
    public void startJames() throws Exception {
        message = message();
        dns = TestDnsServer.start();
        dns.add(REMOTE_DOMAIN + ". 300 IN MX 10 mx." + REMOTE_DOMAIN + ".")
            .add("mx." + REMOTE_DOMAIN + ". 300 IN A 127.0.0.1")
            // iprev of the client 127.0.0.1 passes and is cached, so intake does not wait on DNS for every mail.
            .add("1.0.0.127.in-addr.arpa. 300 IN PTR client.postino.test.")
            .add("client.postino.test. 300 IN A 127.0.0.1");
        sink = ScriptedSmtpPeer.start("mx." + REMOTE_DOMAIN);
        int threads = jamesDeliveryConcurrency();
        String mailet = switch (relay) {
            case "postino" -> "<mailet match=\"All\" class=\"dev.postino.james.mailets.PolicyRemoteDelivery\">"
                + "<retryRules>retry-rules.conf</retryRules><bounceProcessor>bounces</bounceProcessor>"
                + "<outgoingQueue>postino-outgoing</outgoingQueue><deliveryThreads>" + threads + "</deliveryThreads>"
                + "<port>" + sink.port() + "</port><heloName>james.test</heloName></mailet>";
            case "james" -> "<mailet match=\"All\" class=\"RemoteDelivery\">"
                + "<outgoing>outgoing</outgoing><bounceProcessor>bounces</bounceProcessor>"
                + "<gateway>127.0.0.1</gateway><gatewayPort>" + sink.port() + "</gatewayPort>"
                + "<heloName>james.test</heloName></mailet>";
            default -> throw new IllegalArgumentException("relay must be postino or james, not " + relay);
        };
        boolean hold = switch (timed) {
            case "delivery" -> true;
            case "smtpToSink" -> false;
            default -> throw new IllegalArgumentException("timed must be delivery or smtpToSink, not " + timed);
        };
        james = JamesMemoryServer.builder()
            .extensionJar(buildPath("postino.extension.jar", "extension/target/postino-extension.jar"))
            .confSamples(buildPath("postino.conf.samples", "conf-samples"))
            // Both variants' root processor asks the same DNS server (iprev's PTR lookup of 127.0.0.1).
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> {
                Matcher sample = POLICY_REMOTE_DELIVERY.matcher(xml);
                if (!sample.find()) {
                    throw new IllegalStateException("conf-samples/mailetcontainer.xml has no PolicyRemoteDelivery mailet");
                }
                String edited = xml.substring(0, sample.start()) + mailet + xml.substring(sample.end());
                if (!hold) {
                    return edited;
                }
                // Relayed mail waits in a repository until the benchmark releases it to the relay processor.
                return replaceOnce(replaceOnce(edited,
                    "<mailet match=\"SMTPIsAuthNetwork\" class=\"ToProcessor\">\n                <processor>relay</processor>",
                    "<mailet match=\"SMTPIsAuthNetwork\" class=\"ToProcessor\">\n                <processor>bench-hold</processor>"),
                    "<processor state=\"relay-denied\" enableJmx=\"false\">",
                    "<processor state=\"bench-hold\" enableJmx=\"false\"><mailet match=\"All\" class=\"ToRepository\">"
                        + "<repositoryPath>" + HOLD.asString() + "</repositoryPath></mailet></processor>\n"
                        + "        <processor state=\"relay-denied\" enableJmx=\"false\">");
            })
            // WebAdmin only for the release: loopback, a random free port (0).
            .editFile("webadmin.properties", properties -> hold ? "enabled=true\nport=0\nhost=127.0.0.1\n" : properties)
            .start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        if (hold) {
            // WebAdmin names a repository by its path alone (var%2Fmail%2Fbench-hold%2F), not by its URL.
            release = URI.create("http://127.0.0.1:" + james.guiceServer().getProbe(WebAdminGuiceProbe.class).getWebAdminPort().getValue()
                + "/mailRepositories/" + URLEncoder.encode(HOLD.getPath().asString(), StandardCharsets.UTF_8)
                + "/mails?action=reprocess&processor=relay");
        }
        clients = Executors.newFixedThreadPool(CLIENTS);
        System.out.printf("%n%s: %d delivery threads, sink on 127.0.0.1:%d%n", relay, threads, sink.port());
    }

    @Setup(Level.Iteration)
    public void resetSink() throws Exception {
        sink.reset();
        if (timed.equals("delivery")) {
            sendAll();
            MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELIVERY_TIMEOUT_MS);
            while (repositories.getRepositoryMailCount(HOLD) < messages) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + repositories.getRepositoryMailCount(HOLD) + " of " + messages
                        + " mails reached " + HOLD.asString() + " in " + DELIVERY_TIMEOUT_MS + " ms");
                }
                Thread.sleep(10);
            }
        }
    }

    /** Every message exactly once: a lost or doubled delivery would make the times incomparable. */
    @TearDown(Level.Iteration)
    public void checkSink() {
        if (timed.equals("smtpToSink")) {
            // Shown so that a reader can tell delivery time from SMTP intake time.
            System.out.printf("(intake %d ms) ", TimeUnit.NANOSECONDS.toMillis(intakeNanos));
        }
        if (sink.deliveryCount() != messages) {
            throw new IllegalStateException(relay + ": the sink accepted " + sink.deliveryCount() + " messages, sent " + messages);
        }
    }

    @TearDown(Level.Trial)
    public void stopJames() throws Exception {
        if (clients != null) {
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (james != null) {
            james.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Benchmark
    public int deliver() throws Exception {
        if (timed.equals("delivery")) {
            release();
        } else {
            long start = System.nanoTime();
            sendAll();
            intakeNanos = System.nanoTime() - start;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELIVERY_TIMEOUT_MS);
        while (sink.deliveryCount() < messages) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(relay + ": the sink accepted " + sink.deliveryCount() + " of "
                    + messages + " messages in " + DELIVERY_TIMEOUT_MS + " ms");
            }
            Thread.sleep(1);
        }
        return sink.deliveryCount();
    }

    /** Every held mail to the relay processor, through James's spool, as WebAdmin's reprocess does. */
    private void release() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(release)
            .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("reprocess refused: " + response.statusCode() + " " + response.body());
        }
    }

    /** The {@code messages} mails into James over {@code CLIENTS} parallel SMTP sessions. */
    private void sendAll() throws Exception {
        List<Future<?>> sessions = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            int first = client;
            sessions.add(clients.submit(() -> {
                send(first);
                return null;
            }));
        }
        for (Future<?> session : sessions) {
            session.get(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    private static String replaceOnce(String text, String target, String replacement) {
        if (!text.contains(target)) {
            throw new IllegalStateException("conf-samples/mailetcontainer.xml no longer has: " + target);
        }
        return text.replace(target, replacement);
    }

    /** One SMTP session sending every {@code CLIENTS}-th message, starting at {@code first}. */
    private void send(int first) throws IOException {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            expect(smtp.command("EHLO client.postino.test"), "EHLO");
            for (int i = first; i < messages; i += CLIENTS) {
                expect(smtp.command("MAIL FROM:<bench@postino.test>"), "MAIL");
                expect(smtp.command("RCPT TO:<rcpt" + i + "@" + REMOTE_DOMAIN + ">"), "RCPT");
                expect(smtp.data(message), "DATA");
            }
        }
    }

    private static void expect(SmtpSession.Reply reply, String step) throws IOException {
        if (!reply.isPositive()) {
            throw new IOException(step + " refused by James: " + reply);
        }
    }

    private static byte[] message() {
        StringBuilder text = new StringBuilder("From: Bench <bench@postino.test>\r\nTo: rcpt@" + REMOTE_DOMAIN + "\r\n"
            + "Subject: Delivery benchmark\r\nMessage-ID: <bench@postino.test>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=US-ASCII\r\n\r\n");
        while (text.length() < MESSAGE_SIZE) {
            text.append("The quick brown fox jumps over the lazy dog, line ").append(text.length()).append(".\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The build's file: the system property if set, else relative to the repository root or to integration-tests/. */
    private static Path buildPath(String property, String fromRoot) {
        String set = System.getProperty(property);
        if (set != null) {
            return Path.of(set);
        }
        Path here = Path.of(fromRoot);
        return Files.exists(here) ? here : Path.of("..").resolve(fromRoot);
    }

    /** Runs the benchmark (JMH options pass through), then prints medians, messages per second and the ratio. */
    public static void main(String[] args) throws Exception {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(commandLine);
        if (commandLine.getIncludes().isEmpty()) {
            options.include(DeliveryBenchmark.class.getName());
        }
        Map<String, Map<String, Double>> medians = new TreeMap<>();
        for (RunResult result : new Runner(options.build()).run()) {
            medians.computeIfAbsent(result.getParams().getParam("timed") + " " + result.getParams().getParam("messages"),
                    n -> new TreeMap<>())
                .put(result.getParams().getParam("relay"), result.getPrimaryResult().getStatistics().getPercentile(50));
        }
        medians.forEach((key, byRelay) -> {
            String timedPart = key.substring(0, key.indexOf(' '));
            int n = Integer.parseInt(key.substring(key.indexOf(' ') + 1));
            byRelay.forEach((relay, ms) -> System.out.printf("%s, %d messages, %s: median %.0f ms, %.0f messages/s%n",
                timedPart, n, relay, ms, n * 1000.0 / ms));
            Double postino = byRelay.get("postino");
            Double james = byRelay.get("james");
            if (postino != null && james != null) {
                System.out.printf("%s, %d messages: time Postino/James %.2f (below 1: Postino faster), "
                    + "throughput Postino/James %.2fx%n", timedPart, n, postino / james, james / postino);
            }
        });
    }
}
