package dev.postino.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {

    @ParameterizedTest
    @CsvSource({
        "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:DB8::AAAA, 2001:db8::aaaa",
        "::, ::",
        "::1.1.1.1, ::101:101",
        "::ffff:192.0.2.1, 192.0.2.1",
        "192.0.2.1, 192.0.2.1",
    })
    void formatsAsRfc5952Says(String literal, String expected) {
        assertThat(IpLiteral.format(IpLiteral.parse(literal))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.4/8", ":CAFE::BABE", "1::2::3",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "example.com", "localhost", "", "::1.2.3", "1.2.3.4::",
        "fe80::1%eth0", "fe80::1%1", "::ffff:01.2.3.4", "[::1]", " ::1"})
    void refusesWhatIsNotAnAddressLiteral(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:1.2.3.4", "::FFFF:1.2.3.4", "1.2.3.4"})
    void anIpv4MappedAddressIsIpv4(String text) {
        assertThat(IpLiteral.parse(text)).isInstanceOf(Inet4Address.class);
    }

    @ParameterizedTest
    @CsvSource({"192.0.2.1, 24, 192.0.2.200, true", "192.0.2.1, 24, 192.0.3.1, false", "192.0.2.1, 0, 10.0.0.1, true",
        "2001:db8::, 33, 2001:db8:7fff::1, true", "2001:db8::, 33, 2001:db8:8000::1, false", "::, 0, 10.0.0.1, false"})
    void matchesPrefixesWithinOneFamilyOnly(String network, int prefix, String address, boolean expected) {
        assertThat(IpLiteral.inPrefix(IpLiteral.octets(IpLiteral.parse(network)), prefix,
            IpLiteral.octets(IpLiteral.parse(address)))).isEqualTo(expected);
    }
}
