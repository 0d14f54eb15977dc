package dev.postino.core.iprev;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.iprev.IprevResult.Verdict;

class IprevEvaluatorTest {

    private TestDnsServer dns;
    private DnsClient client;
    private IprevEvaluator evaluator;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
            .withQueryTimeout(Duration.ofSeconds(10)).withRetries(0));
        // generous: a loaded CI machine once answered a loopback query late (TEMPERROR where PERMERROR was due)
        evaluator = new IprevEvaluator(client, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        client.close();
        dns.close();
    }

    private IprevResult check(String ip) throws Exception {
        return evaluator.evaluate(InetAddress.getByName(ip)).join();
    }

    @Test
    void passWhenOneNameMapsBack() throws Exception {
        dns.add("9.2.0.192.in-addr.arpa. 300 IN PTR other.example.test.")
            .add("9.2.0.192.in-addr.arpa. 300 IN PTR mail.example.test.")
            .add("other.example.test. 300 IN A 192.0.2.99")
            .add("mail.example.test. 300 IN A 192.0.2.9");

        IprevResult result = check("192.0.2.9");

        assertThat(result.verdict()).as(result.reason()).isEqualTo(Verdict.PASS);
        assertThat(result.hostname()).isEqualTo("mail.example.test");
    }

    @Test
    void ipv6UsesAaaa() throws Exception {
        dns.add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR v6.example.test.")
            .add("v6.example.test. 300 IN AAAA 2001:db8::1");

        assertThat(check("2001:db8::1").verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void failWhenNoNameMapsBack() throws Exception {
        dns.add("9.2.0.192.in-addr.arpa. 300 IN PTR forged.example.test.")
            .add("forged.example.test. 300 IN A 198.51.100.1");

        IprevResult result = check("192.0.2.9");

        assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(result.reason()).contains("forged.example.test");
    }

    @Test
    void permerrorWithoutPtr() throws Exception {
        assertThat(check("192.0.2.10").verdict()).isEqualTo(Verdict.PERMERROR);
    }

    @Test
    void temperrorWhenTheReverseLookupFails() throws Exception {
        dns.inject("11.2.0.192.in-addr.arpa", "PTR", TestDnsServer.Fault.SERVFAIL);

        assertThat(check("192.0.2.11").verdict()).isEqualTo(Verdict.TEMPERROR);
    }

    @Test
    void temperrorWhenTheOnlyForwardLookupTimesOut() throws Exception {
        dns.add("12.2.0.192.in-addr.arpa. 300 IN PTR slow.example.test.");
        dns.inject("slow.example.test", "A", TestDnsServer.Fault.TIMEOUT);
        evaluator = new IprevEvaluator(client, Duration.ofMillis(500)); // the budget ends the wait

        assertThat(check("192.0.2.12").verdict()).isEqualTo(Verdict.TEMPERROR);
    }
}
