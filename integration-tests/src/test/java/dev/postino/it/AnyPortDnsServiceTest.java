package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.configuration2.XMLConfiguration;
import org.apache.commons.configuration2.io.FileHandler;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Lookup;

import dev.postino.core.dns.testing.TestDnsServer;

/** James's DNS service, configured as {@code ./postino run --dns} leaves it, asks a resolver on a port other than 53. */
class AnyPortDnsServiceTest {

    @AfterEach
    void restoreDnsjavaDefaults() {
        Lookup.refreshDefault(); // James may have made its resolver dnsjava's default
    }

    @Test
    void asksTheGivenPort() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.add("probe.test. 300 IN TXT \"on-port\"").add("probe.test. 300 IN A 192.0.2.7");
            String sample = Files.readString(Path.of("../conf-samples/dnsservice.xml"), StandardCharsets.UTF_8);
            XMLConfiguration configuration = new XMLConfiguration();
            new FileHandler(configuration).load(new ByteArrayInputStream(
                ResolverRewrite.dnsServiceXml(sample, List.of(dns.address())).getBytes(StandardCharsets.UTF_8)));

            AnyPortDnsService service = new AnyPortDnsService(new RecordingMetricFactory(), List.of(dns.address()));
            service.configure(configuration);
            service.init();

            assertThat(service.findTXTRecords("probe.test")).singleElement().asString().contains("on-port");
            assertThat(service.getByName("probe.test")).isEqualTo(InetAddress.getByName("192.0.2.7"));
            assertThat(dns.queriesUnder("probe.test")).isPositive();
        }
    }
}
