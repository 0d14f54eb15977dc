package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.yaml.snakeyaml.Yaml;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * Runs the openspf conformance suites (src/test/resources/spf, see its README) against {@link SpfEvaluator},
 * one dynamic test per suite test, named scenario/test. Each scenario's zone data is served by a
 * {@link TestDnsServer} as the suites' driver conventions say: SPF-type data is also published as TXT unless
 * the name has TXT data of its own ({@code TXT: NONE} meaning none), and {@code TIMEOUT} makes the server
 * never answer for that name. The default explanation is set to {@code DEFAULT}, the suites' word for it.
 */
class SpfConformanceTest {

    /**
     * RFC 4408 suite tests whose expected result RFC 7208 changed (the RFC 7208 suite has each under the same
     * name with the new expectation), with the reason; they are skipped and reported as such.
     */
    private static final Map<String, String> CHANGED_BY_RFC_7208 = Map.ofEntries(
        Map.entry("txtonly", "RFC 4408 also accepted 'none' from checkers of type SPF only; RFC 7208 §3.1 reads TXT only: fail"),
        Map.entry("spfonly", "RFC 4408 also accepted 'fail' from the type SPF record; RFC 7208 §3.1 ignores type SPF: none"),
        Map.entry("spftimeout", "RFC 4408 also accepted 'temperror' from the type SPF query; RFC 7208 never asks it: fail"),
        Map.entry("txttimeout", "RFC 4408 also accepted 'fail' from the type SPF record; RFC 7208 §4.4: temperror"),
        Map.entry("nospftxttimeout", "RFC 4408 also accepted 'none' from checkers of type SPF; RFC 7208 §4.4: temperror"),
        Map.entry("spfoverride", "RFC 4408 let type SPF records override TXT ('pass'); RFC 7208 §3.1 ignores type SPF: fail"),
        Map.entry("multitxt1", "RFC 4408 also accepted 'pass' from the type SPF record; RFC 7208 §4.5: two TXT records, permerror"),
        Map.entry("multispf2", "RFC 4408 also accepted 'permerror' from two type SPF records; RFC 7208 reads the one TXT: pass"),
        Map.entry("invalid-domain-empty-label", "RFC 4408 preferred 'permerror'; RFC 7208 §4.3/§4.8 prefers 'fail' (no such name)"),
        Map.entry("invalid-domain-long", "RFC 4408 preferred 'permerror'; RFC 7208 §4.3/§4.8 prefers 'fail' (no such name)"),
        Map.entry("invalid-domain-long-via-macro", "RFC 4408 preferred 'permerror'; RFC 7208 §4.3/§4.8 prefers 'fail'"),
        Map.entry("exists-dnserr", "RFC 4408 also accepted 'fail' on a DNS timeout; RFC 7208 §5 requires temperror"),
        Map.entry("cidr6-0-ip4", "RFC 4408 also accepted 'pass' for an IPv4 client against ip6:::/0; RFC 7208 §5: neutral"),
        Map.entry("cidr6-ip4", "RFC 4408 also accepted 'pass' for an IPv4-mapped client against ip6; RFC 7208 §5: neutral"),
        Map.entry("mx-limit", "RFC 4408 also accepted ignoring MX names past 10; RFC 7208 §4.6.4 requires permerror"));

    private static final long TTL = 300;
    private static TestDnsServer server;
    private static final Map<String, Map<String, AtomicInteger>> COUNTS = new LinkedHashMap<>();
    private static Object loadedScenario;

    @BeforeAll
    static void startServer() throws IOException {
        server = TestDnsServer.start();
    }

    @AfterAll
    static void stopServerAndReport() {
        server.close();
        COUNTS.forEach((suite, counts) -> System.out.println("SPF conformance " + suite + ": " + counts.get("run")
            + " tests, " + counts.get("passed") + " passed, " + counts.get("skipped") + " skipped"));
    }

    @TestFactory
    Stream<DynamicNode> rfc7208Suite() throws IOException {
        List<Map<String, Object>> scenarios = load("rfc7208-tests.yml");
        int tests = scenarios.stream().mapToInt(s -> tests(s).size()).sum();
        DynamicTest complete = DynamicTest.dynamicTest("the suite has 16 scenarios and 203 tests",
            () -> assertThat(List.of(scenarios.size(), tests)).containsExactly(16, 203));
        return Stream.concat(Stream.of(complete), suite("rfc7208-tests.yml", scenarios, Map.of()));
    }

    @TestFactory
    Stream<DynamicNode> rfc4408Suite() throws IOException {
        return suite("rfc4408-tests.yml", load("rfc4408-tests.yml"), CHANGED_BY_RFC_7208);
    }

    private static Stream<DynamicNode> suite(String file, List<Map<String, Object>> scenarios, Map<String, String> skipped) {
        Map<String, AtomicInteger> counts = new LinkedHashMap<>();
        for (String key : List.of("run", "passed", "skipped")) {
            counts.put(key, new AtomicInteger());
        }
        COUNTS.put(file, counts);
        return scenarios.stream().map(scenario -> DynamicContainer.dynamicContainer(
            String.valueOf(scenario.get("description")),
            tests(scenario).entrySet().stream().map(test -> DynamicTest.dynamicTest(
                scenario.get("description") + "/" + test.getKey(), () -> {
                    counts.get("run").incrementAndGet();
                    String skipReason = skipped.get(test.getKey());
                    if (skipReason != null) {
                        counts.get("skipped").incrementAndGet();
                    }
                    assumeThat(skipReason).as("changed by RFC 7208: %s", skipReason).isNull();
                    run(scenario, test.getKey(), test.getValue());
                    counts.get("passed").incrementAndGet();
                }))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> tests(Map<String, Object> scenario) {
        return (Map<String, Map<String, Object>>) scenario.get("tests");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(String file) throws IOException {
        try (InputStream in = SpfConformanceTest.class.getResourceAsStream("/spf/" + file);
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            List<Map<String, Object>> scenarios = new ArrayList<>();
            for (Object document : new Yaml().loadAll(reader)) {
                scenarios.add((Map<String, Object>) document);
            }
            return scenarios;
        }
    }

    private static void run(Map<String, Object> scenario, String name, Map<String, Object> test) throws Exception {
        if (loadedScenario != scenario) {
            server.clear();
            serve(scenario);
            loadedScenario = scenario;
        }
        DnsConfig config = DnsConfig.defaults().withServers(List.of(server.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(0); // 1 s: a loaded CI machine must not turn an answer into a timeout
        try (DnsClient client = DnsClient.create(config)) {
            SpfEvaluator evaluator = new SpfEvaluator(client, SpfOptions.defaults().withDefaultExplanation("DEFAULT"));
            InetAddress ip = IpLiteral.parse(String.valueOf(test.get("host")));
            SpfResult result = evaluator.evaluateBlocking(
                SpfRequest.mailFrom(ip, String.valueOf(test.get("mailfrom")), String.valueOf(test.get("helo"))));

            Object expected = test.get("result");
            List<String> accepted = expected instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                : List.of(String.valueOf(expected));
            String context = name + " (" + test.get("spec") + "): " + result;
            assertThat(accepted).as(context).contains(result.verdict().keyword());
            if (test.containsKey("explanation")) {
                // case-insensitive: the suite spells %{i}'s IPv6 nibbles in upper case, RFC 7208 §7.4's example in lower
                assertThat(result.explanation()).as(context).isEqualToIgnoringCase(String.valueOf(test.get("explanation")));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void serve(Map<String, Object> scenario) throws Exception {
        Map<String, List<Object>> zone = (Map<String, List<Object>>) scenario.get("zonedata");
        if (zone == null) {
            return;
        }
        for (Map.Entry<String, List<Object>> entry : zone.entrySet()) {
            Name owner = name(entry.getKey());
            boolean hasTxt = entry.getValue().stream().anyMatch(e -> e instanceof Map<?, ?> m && m.containsKey("TXT"));
            List<String> types = new ArrayList<>();
            for (Object item : entry.getValue()) {
                if ("TIMEOUT".equals(item)) {
                    // as the suites' reference driver does: the types with data at the name answer, the others never do
                    for (String type : List.of("A", "AAAA", "MX", "PTR", "TXT", "SPF", "CNAME")) {
                        if (!types.contains(type)) {
                            server.inject(entry.getKey(), type, TestDnsServer.Fault.TIMEOUT);
                        }
                    }
                    continue;
                }
                Map.Entry<String, Object> data = ((Map<String, Object>) item).entrySet().iterator().next();
                Object value = data.getValue();
                if (!"NONE".equals(value)) {
                    types.add(data.getKey());
                }
                switch (data.getKey()) {
                    case "SPF" -> {
                        server.add(strings(owner, Type.SPF, value));
                        if (!hasTxt) {
                            server.add(strings(owner, Type.TXT, value));
                        }
                    }
                    case "TXT" -> {
                        if (!"NONE".equals(value)) {
                            server.add(strings(owner, Type.TXT, value));
                        }
                    }
                    case "A" -> server.add(new ARecord(owner, DClass.IN, TTL, InetAddress.getByName(String.valueOf(value))));
                    case "AAAA" -> server.add(new AAAARecord(owner, DClass.IN, TTL, InetAddress.getByName(String.valueOf(value))));
                    case "MX" -> {
                        List<Object> mx = (List<Object>) value;
                        server.add(new MXRecord(owner, DClass.IN, TTL, ((Number) mx.get(0)).intValue(), name(String.valueOf(mx.get(1)))));
                    }
                    case "PTR" -> server.add(new PTRRecord(owner, DClass.IN, TTL, name(String.valueOf(value))));
                    case "CNAME" -> server.add(new CNAMERecord(owner, DClass.IN, TTL, name(String.valueOf(value))));
                    default -> throw new IllegalArgumentException("zone data of unknown type " + data.getKey());
                }
            }
        }
    }

    /** A TXT or SPF record of one string, or of the listed character-strings; chars are taken as octets. */
    private static Record strings(Name owner, int type, Object value) {
        List<String> strings = value instanceof List<?> list ? list.stream().map(String::valueOf).toList()
            : List.of(String.valueOf(value));
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        for (String s : strings) {
            byte[] octets = s.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < octets.length || i == 0; i += 255) {
                int length = Math.min(255, octets.length - i);
                rdata.write(length);
                rdata.write(octets, i, length);
            }
        }
        return Record.newRecord(owner, type, DClass.IN, TTL, rdata.toByteArray());
    }

    private static Name name(String text) throws TextParseException {
        return text.isEmpty() || text.equals(".") ? Name.root : Name.fromString(text.endsWith(".") ? text : text + ".");
    }
}
