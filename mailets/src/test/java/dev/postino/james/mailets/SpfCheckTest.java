package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
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

class SpfCheckTest {

    private TestDnsServer dns;
    private SpfCheck mailet;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:192.0.2.1 -all")
            .addTxt("mx.pass.test", "v=spf1 ip4:192.0.2.1 -all")
            .addTxt("soft.test", "v=spf1 ~all");
        mailet = new SpfCheck();
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("SpfCheck")
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "2s").setProperty("receiver", "mx.postino.test");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static Mail mail(String remoteAddr, String sender, String helo) throws Exception {
        FakeMail.Builder builder = FakeMail.builder().name("m").remoteAddr(remoteAddr).remoteHost("client.test")
            .recipient("alice@postino.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().setSubject("hello").setText("body"));
        if (sender != null) {
            builder.sender(new MailAddress(sender));
        }
        if (helo != null) {
            builder.attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of(helo)));
        }
        return builder.build();
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    @Test
    void passForAPermittedClientWithAReceivedSpfField() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", "bob@pass.test", "mx.pass.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.spf.domain")).isEqualTo("pass.test");
        assertThat(attribute(mail, "postino.spf.helo.result")).isEqualTo("pass");
        String[] header = mail.getMessage().getHeader("Received-SPF");
        assertThat(header).hasSize(1);
        assertThat(header[0]).startsWith("pass (mx.postino.test: ").contains("client-ip=\"192.0.2.1\"")
            .contains("envelope-from=\"bob@pass.test\"").contains("helo=\"mx.pass.test\"");
    }

    @Test
    void failCarriesTheExplanationAndStillNeverRejects() throws Exception {
        init();
        Mail mail = mail("198.51.100.7", "bob@pass.test", "forged.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("fail");
        assertThat(attribute(mail, "postino.spf.explanation")).contains("198.51.100.7");
        assertThat(attribute(mail, "postino.spf.helo.result")).isEqualTo("none");
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void nullReversePathChecksPostmasterAtTheHeloName() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", null, "mx.pass.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.spf.domain")).isEqualTo("mx.pass.test");
    }

    @Test
    void trustedNetworkAndAuthenticatedSenderAreSkippedWithoutDns() throws Exception {
        init("trustedNetworks", "10.0.0.0/8");
        Mail trustedNetwork = mail("10.1.2.3", "bob@pass.test", "mx.pass.test");
        Mail authenticated = mail("198.51.100.7", "bob@pass.test", "mx.pass.test");
        authenticated.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("bob")));

        mailet.service(trustedNetwork);
        mailet.service(authenticated);

        assertThat(attribute(trustedNetwork, "postino.spf.result")).isEqualTo("skipped");
        assertThat(attribute(trustedNetwork, "postino.spf.reason")).isEqualTo("trusted network 10.0.0.0/8");
        assertThat(attribute(authenticated, "postino.spf.result")).isEqualTo("skipped");
        assertThat(attribute(authenticated, "postino.spf.reason")).isEqualTo("authenticated sender");
        assertThat(trustedNetwork.getMessage().getHeader("Received-SPF")).isNull();
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void aVerdictAnEarlierStepLeftIsKeptAndOnlyItsRenderedFieldIsAdded() throws Exception {
        init();
        Mail mail = mail("198.51.100.7", "bob@pass.test", "mx.pass.test");
        mail.setAttribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("pass")));
        mail.setAttribute(new Attribute(AttributeName.of("postino.spf.received"),
            AttributeValue.of("pass (mx.postino.test: the hook's words) receiver=\"mx.postino.test\";")));
        Mail withoutField = mail("198.51.100.7", "bob@pass.test", "mx.pass.test");
        withoutField.setAttribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("fail")));

        mailet.service(mail);
        mailet.service(withoutField);

        // 198.51.100.7 is not allowed by pass.test: a second check would have written fail
        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("pass");
        assertThat(mail.getMessage().getHeader("Received-SPF"))
            .containsExactly("pass (mx.postino.test: the hook's words) receiver=\"mx.postino.test\";");
        assertThat(attribute(withoutField, "postino.spf.result")).isEqualTo("fail");
        assertThat(withoutField.getMessage().getHeader("Received-SPF")).isNull();
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void loopbackIsTrustedByDefault() throws Exception {
        init();
        Mail mail = mail("127.0.0.1", "bob@pass.test", "localhost");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("skipped");
    }

    @Test
    void dnsDownIsATemperrorAndTheMailGoesOn() throws Exception {
        dns.inject("down.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        init("addHeader", "false");
        Mail mail = mail("192.0.2.9", "bob@down.test", "mx.down.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("temperror");
        assertThat(mail.getMessage().getHeader("Received-SPF")).isNull();
    }

    @Test
    void hostileHeloCannotInjectAField() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", "bob@pass.test", "evil\r\nX-Injected: yes\" receiver=\"x");

        mailet.service(mail);

        String header = mail.getMessage().getHeader("Received-SPF")[0];
        // the only line ends are the folds this mailet writes: CRLF and a space
        assertThat(header.replace("\r\n ", " ")).doesNotContain("\r").doesNotContain("\n");
        assertThat(mail.getMessage().getHeader("X-Injected")).isNull();
    }

    @Test
    void theReceivedSpfFieldIsFoldedWithin998OctetsWhateverTheSenderSends() throws Exception {
        init();
        String helo = "\"\\".repeat(3_000);
        Mail mail = mail("192.0.2.1", "bob@pass.test", helo);

        mailet.service(mail);

        ByteArrayOutputStream written = new ByteArrayOutputStream();
        mail.getMessage().writeTo(written);
        String message = written.toString(StandardCharsets.US_ASCII);
        // the field: up to the first line end that no space or tab continues
        String field = message.substring(message.indexOf("Received-SPF: ")).split("\r\n(?![ \t])", 2)[0];
        assertThat(field).contains("helo=\"").contains("...\";").contains("\r\n ");
        for (String line : message.split("\r\n", -1)) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(998);
        }
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> init("trustedNetworks", "10.0.0.0/8, office"))
            .hasMessageStartingWith("SpfCheck: init parameter trustedNetworks='10.0.0.0/8, office' is not valid: expected an IP network");
        assertThatThrownBy(() -> init("addHeader", "maybe"))
            .hasMessage("SpfCheck: init parameter addHeader='maybe' is not valid: expected true or false");
    }
}
