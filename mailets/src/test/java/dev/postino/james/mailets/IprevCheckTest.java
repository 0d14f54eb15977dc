package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.mail.MessagingException;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

class IprevCheckTest {

    private TestDnsServer dns;
    private IprevCheck mailet;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        mailet = new IprevCheck();
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("IprevCheck");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    @Test
    void writesTheVerdictAsStringAttributes() throws Exception {
        dns.add("7.2.0.192.in-addr.arpa. 300 IN PTR mx.example.test.").add("mx.example.test. 300 IN A 192.0.2.7");
        init("dnsServers", dns.hostPort(), "dnsQueryTimeout", "2s");
        Mail mail = FakeMail.builder().name("m1").remoteAddr("192.0.2.7").recipient("rcpt@example.test").build();

        mailet.service(mail);

        assertThat(attribute(mail, "postino.iprev.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.iprev.hostname")).isEqualTo("mx.example.test");
    }

    @Test
    void dnsDownIsATemporaryErrorAndTheMailStays() throws Exception {
        dns.inject("8.2.0.192.in-addr.arpa", "PTR", TestDnsServer.Fault.TIMEOUT);
        init("dnsServers", dns.hostPort(), "dnsQueryTimeout", "100ms", "dnsRetries", "0");
        Mail mail = FakeMail.builder().name("m2").remoteAddr("192.0.2.8").recipient("rcpt@example.test").build();

        mailet.service(mail);

        assertThat(attribute(mail, "postino.iprev.result")).isEqualTo("temperror");
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void noUsableRemoteAddressIsNone() throws Exception {
        init("dnsServers", dns.hostPort());
        Mail mail = FakeMail.builder().name("m3").remoteAddr("not-an-address.example").recipient("rcpt@example.test").build();

        mailet.service(mail);

        assertThat(attribute(mail, "postino.iprev.result")).isEqualTo("none");
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void aVerdictAnEarlierStepLeftIsKept() throws Exception {
        init("dnsServers", dns.hostPort());
        Mail mail = FakeMail.builder().name("m5").remoteAddr("192.0.2.7").recipient("rcpt@example.test")
            .attribute(new Attribute(AttributeName.of("postino.iprev.result"), AttributeValue.of("fail"))).build();

        mailet.service(mail);

        assertThat(attribute(mail, "postino.iprev.result")).isEqualTo("fail");
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void unknownParameterIsRefusedWithItsName() {
        assertThatThrownBy(() -> init("dnsServer", "127.0.0.1:53"))
            .isInstanceOf(MessagingException.class)
            .hasMessageStartingWith("IprevCheck: unknown init parameter 'dnsServer' (value '127.0.0.1:53')")
            .hasMessageContaining("dnsServers");
    }

    @Test
    void unparsableResolverIsRefusedWithParameterAndValue() {
        assertThatThrownBy(() -> init("dnsServers", "resolver.example.com"))
            .isInstanceOf(MessagingException.class)
            .hasMessageStartingWith("IprevCheck: init parameter dnsServers='resolver.example.com' is not valid: expected ")
            .hasMessageNotContaining("\n")
            .hasMessageContaining("not a host name");
    }

    @Test
    void systemPropertyIsTheDefaultResolverList() throws Exception {
        dns.add("7.2.0.192.in-addr.arpa. 300 IN PTR mx.example.test.").add("mx.example.test. 300 IN A 192.0.2.7");
        System.setProperty(MailetParameters.DNS_SERVERS_PROPERTY, dns.hostPort());
        try {
            init();
            Mail mail = FakeMail.builder().name("m4").remoteAddr("192.0.2.7").recipient("rcpt@example.test").build();
            mailet.service(mail);
            assertThat(attribute(mail, "postino.iprev.result")).isEqualTo("pass");

            System.setProperty(MailetParameters.DNS_SERVERS_PROPERTY, "localhost");
            assertThatThrownBy(() -> init()).hasMessageStartingWith(
                "IprevCheck: system property postino.dns.servers='localhost' is not valid");
        } finally {
            System.clearProperty(MailetParameters.DNS_SERVERS_PROPERTY);
        }
    }

    @Test
    void unparsableDurationAndNumberAreRefused() {
        assertThatThrownBy(() -> init("timeBudget", "ten seconds"))
            .hasMessage("IprevCheck: init parameter timeBudget='ten seconds' is not valid: expected a positive duration such as 500ms, 5s, 2m, 1h or 1d");
        assertThatThrownBy(() -> init("dnsRetries", "-1"))
            .hasMessage("IprevCheck: init parameter dnsRetries='-1' is not valid: expected a whole number from 0 to 10");
    }
}
