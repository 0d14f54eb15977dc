package dev.postino.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class IpNetworkTest {

    private static boolean contains(String network, String address) throws Exception {
        return IpNetwork.parse(network).contains(InetAddress.getByName(address));
    }

    @Test
    void matchesByPrefix() throws Exception {
        assertThat(contains("192.0.2.0/24", "192.0.2.255")).isTrue();
        assertThat(contains("192.0.2.0/24", "192.0.3.0")).isFalse();
        assertThat(contains("10.0.0.0/9", "10.127.1.1")).isTrue();
        assertThat(contains("10.0.0.0/9", "10.128.1.1")).isFalse();
        assertThat(contains("127.0.0.1", "127.0.0.1")).isTrue();
        assertThat(contains("127.0.0.1", "127.0.0.2")).isFalse();
        assertThat(contains("0.0.0.0/0", "203.0.113.9")).isTrue();
        assertThat(contains("2001:db8::/32", "2001:db8:ffff::1")).isTrue();
        assertThat(contains("2001:db8::/32", "2001:db9::1")).isFalse();
        assertThat(contains("::1/128", "::1")).isTrue();
    }

    @Test
    void ipv4MappedAddressMatchesIpv4AndFamiliesDoNotMix() throws Exception {
        assertThat(contains("192.0.2.0/24", "::ffff:192.0.2.7")).isTrue();
        assertThat(contains("::/0", "192.0.2.7")).isFalse();
    }

    @Test
    void badTextIsRefusedWithAReason() {
        assertThatThrownBy(() -> IpNetwork.parse("mail.example.com/24")).hasMessageContaining("'mail.example.com/24'");
        assertThatThrownBy(() -> IpNetwork.parse("192.0.2.0/33")).hasMessageContaining("prefix length from 0 to 32");
        assertThatThrownBy(() -> IpNetwork.parse("::1/129")).hasMessageContaining("0 to 128");
    }
}
