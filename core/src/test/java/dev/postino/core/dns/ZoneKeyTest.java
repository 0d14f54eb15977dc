package dev.postino.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ZoneKeyTest {

    @Test
    void aNameCountsAgainstItsRegisteredDomain() throws Exception {
        assertThat(DnsClient.zoneOf("x.y.evil.example.com")).isEqualTo("example.com");
        assertThat(DnsClient.zoneOf("_dmarc.Mail.Example.CO.UK.")).isEqualTo("example.co.uk");
        assertThat(DnsClient.zoneOf("sel._domainkey.user.github.io")).as("private-section suffix").isEqualTo("user.github.io");
        assertThat(DnsClient.zoneOf("example.com")).isEqualTo("example.com");
    }

    @Test
    void namesTheListDoesNotCoverCountAgainstTheirLastTwoLabels() throws Exception {
        assertThat(DnsClient.zoneOf("n1.e3.evil.test")).isEqualTo("evil.test");
        assertThat(DnsClient.zoneOf("a*b.evil.example.com")).as("not a host name").isEqualTo("example.com");
        assertThat(DnsClient.zoneOf("a\\000b.evil.test")).isEqualTo("evil.test");
        assertThat(DnsClient.zoneOf("com")).isEqualTo("com");
    }

    @Test
    void reverseNamesCountAgainstTheirSlash24OrSlash48() throws Exception {
        assertThat(DnsClient.zoneOf("55.2.0.192.in-addr.arpa")).isEqualTo("2.0.192.in-addr.arpa");
        assertThat(DnsClient.zoneOf("2.0.192.in-addr.arpa")).isEqualTo("2.0.192.in-addr.arpa");
        String reverse = org.xbill.DNS.ReverseMap.fromAddress("2001:db8:0:1::1").toString();
        assertThat(DnsClient.zoneOf(reverse)).isEqualTo("0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }
}
