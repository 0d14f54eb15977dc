package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import javax.mail.MessagingException;

import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.DnsLimits;

class MailetParametersDnsTest {

    private static DnsConfig dnsConfig(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("SpfCheck");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        return MailetParameters.read(config.build(), MailetParameters.withDns()).dnsConfig();
    }

    @Test
    void theLimitsDefaultToDnsLimitsDefaults() throws Exception {
        assertThat(dnsConfig().limits()).isEqualTo(DnsLimits.defaults());
    }

    @Test
    void everyLimitIsAParameter() throws Exception {
        DnsLimits limits = dnsConfig("dnsMaxInFlight", "100", "dnsMaxInFlightPerZone", "8", "dnsMaxWaitingPerZone", "0",
            "dnsMaxInFlightPerCheck", "3", "dnsZoneTimeouts", "0", "dnsZoneTimeoutWindow", "2m", "dnsZoneBackoff", "10s",
            "dnsZoneMaxBackoff", "1h").limits();

        assertThat(limits).isEqualTo(new DnsLimits(100, 8, 0, 3, 0, Duration.ofMinutes(2), Duration.ofSeconds(10),
            Duration.ofHours(1)));
    }

    @Test
    void aSmallTotalLowersTheDefaultPerZoneAndALongBackoffTheDefaultMaximum() throws Exception {
        DnsLimits limits = dnsConfig("dnsMaxInFlight", "4", "dnsZoneBackoff", "1h").limits();

        assertThat(limits.maxInFlightPerZone()).isEqualTo(4);
        assertThat(limits.zoneMaxBackoff()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void badValuesAreRefusedInOneLine() {
        assertThatThrownBy(() -> dnsConfig("dnsMaxInFlight", "0"))
            .hasMessage("SpfCheck: init parameter dnsMaxInFlight='0' is not valid: expected a whole number from 1 to 10000");
        assertThatThrownBy(() -> dnsConfig("dnsMaxInFlight", "10", "dnsMaxInFlightPerZone", "11"))
            .hasMessage("SpfCheck: init parameter dnsMaxInFlightPerZone='11' is not valid: expected a whole number from 1 to 10");
        assertThatThrownBy(() -> dnsConfig("dnsZoneTimeouts", "five"))
            .hasMessage("SpfCheck: init parameter dnsZoneTimeouts='five' is not valid: expected a whole number from 0 to 1000");
        assertThatThrownBy(() -> dnsConfig("dnsZoneTimeoutWindow", "0s"))
            .hasMessageStartingWith("SpfCheck: init parameter dnsZoneTimeoutWindow='0s' is not valid: expected a positive duration");
        assertThatThrownBy(() -> dnsConfig("dnsZoneBackoff", "2m", "dnsZoneMaxBackoff", "1m"))
            .hasMessage("SpfCheck: init parameter dnsZoneMaxBackoff='1m' is not valid: expected a duration no shorter than dnsZoneBackoff (2m)");
        assertThatThrownBy(() -> dnsConfig("dnsMaxWaitingPerZone", "-1")).hasMessageContaining("dnsMaxWaitingPerZone='-1'");
        assertThatThrownBy(() -> dnsConfig("dnsMaxInFlightPerCheck", "0")).hasMessageContaining("dnsMaxInFlightPerCheck='0'");
    }
}
