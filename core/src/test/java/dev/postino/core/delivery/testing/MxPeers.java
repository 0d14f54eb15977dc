package dev.postino.core.delivery.testing;

import java.time.Duration;
import java.util.List;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * What a delivery test talks to: a loopback DNS server where {@code example.test}'s MX is {@code mx.example.test} at
 * 127.0.0.1, a DNS client asking only it (no retries, no cache), and a local SMTP server. Closed in reverse order.
 */
public final class MxPeers implements AutoCloseable {

    public final TestDnsServer dnsServer;
    public final DnsClient dns;
    public final LocalSmtpServer smtp;

    private MxPeers(TestDnsServer dnsServer, DnsClient dns, LocalSmtpServer smtp) {
        this.dnsServer = dnsServer;
        this.dns = dns;
        this.smtp = smtp;
    }

    public static MxPeers start() throws Exception {
        TestDnsServer dnsServer = TestDnsServer.start();
        dnsServer.add("example.test. 300 IN MX 10 mx.example.test.").add("mx.example.test. 300 IN A 127.0.0.1");
        DnsClient dns = DnsClient.create(DnsConfig.defaults().withServers(List.of(dnsServer.address()))
            .withQueryTimeout(Duration.ofSeconds(2)).withRetries(0).withCacheSize(0));
        return new MxPeers(dnsServer, dns, LocalSmtpServer.start());
    }

    @Override
    public void close() throws Exception {
        smtp.close();
        dns.close();
        dnsServer.close();
    }
}
