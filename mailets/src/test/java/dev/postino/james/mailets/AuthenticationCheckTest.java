package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

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

class AuthenticationCheckTest {

    private TestDnsServer dns;
    private AuthenticationCheck mailet;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:192.0.2.1 -all")
            .addTxt("_dmarc.pass.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.shop.test", "v=DMARC1; p=quarantine");
        mailet = new AuthenticationCheck();
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("AuthenticationCheck")
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "1s")
            .setProperty("authservId", "mx.postino.test").setProperty("trustedNetworks", "none");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static Mail mail(String remoteAddr, String sender, String from, String... headers) throws Exception {
        MimeMessageBuilder message = MimeMessageBuilder.mimeMessageBuilder().setSubject("hello").setText("body")
            .addHeader("From", from);
        for (int i = 0; i < headers.length; i += 2) {
            message.addHeader(headers[i], headers[i + 1]);
        }
        return FakeMail.builder().name("m").remoteAddr(remoteAddr).remoteHost("client.test")
            .sender(new MailAddress(sender)).recipient("alice@postino.test").mimeMessage(message)
            .attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of("mx.pass.test"))).build();
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    private static String[] fields(Mail mail) throws MessagingException {
        String[] fields = mail.getMessage().getHeader("Authentication-Results");
        return fields == null ? new String[0] : fields;
    }

    @Test
    void alignedSpfPassesAndTheFieldShowsEveryMethod() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", "bob@pass.test", "Bob <bob@pass.test>",
            "Authentication-Results", "other.test; spf=pass smtp.mailfrom=x@y.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.dmarc.policy")).isEqualTo("reject");
        assertThat(attribute(mail, "postino.dmarc.disposition")).isEqualTo("none");
        assertThat(attribute(mail, "postino.dmarc.domain")).isEqualTo("pass.test");
        assertThat(attribute(mail, "postino.dmarc.header.from")).isEqualTo("pass.test");
        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.spf.helo.result")).isEqualTo("none");
        assertThat(attribute(mail, "postino.dkim.result")).isEqualTo("none");
        assertThat(attribute(mail, "postino.dkim.signatures")).isEqualTo("[]");
        assertThat(fields(mail)).hasSize(2);
        String ours = fields(mail)[1].replaceAll("\r\n\t", " ");
        assertThat(ours).startsWith("mx.postino.test; spf=pass ").contains("dkim=none", "dmarc=pass",
            "header.from=pass.test");
    }

    @Test
    void aForgedFromFailsWithThePolicyAsDispositionAndForgedFieldsGo() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", "bob@pass.test", "Bank <service@bank.test>",
            "Authentication-Results", "MX.postino.test; dmarc=pass header.from=bank.test",
            "Authentication-Results", "other.test; dkim=pass");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("fail");
        assertThat(attribute(mail, "postino.dmarc.disposition")).isEqualTo("reject");
        assertThat(attribute(mail, "postino.dmarc.reason")).contains("no aligned identifier");
        assertThat(fields(mail)).hasSize(2);
        assertThat(fields(mail)[0]).isEqualTo("other.test; dkim=pass");
        assertThat(fields(mail)[1]).contains("dmarc=fail").doesNotContain("dmarc=pass");
    }

    @Test
    void readsWhatSpfCheckAndDkimVerifyLeft() throws Exception {
        init();
        Mail mail = mail("192.0.2.9", "bob@elsewhere.test", "shop <news@shop.test>");
        mail.setAttribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("fail")));
        mail.setAttribute(new Attribute(AttributeName.of("postino.spf.domain"), AttributeValue.of("elsewhere.test")));
        mail.setAttribute(new Attribute(AttributeName.of("postino.dkim.signatures"), AttributeValue.of(
            "[{\"result\": \"pass\", \"domain\": \"shop.test\", \"selector\": \"s\", \"algorithm\": \"rsa-sha256\","
                + " \"header_b\": \"abcdefgh\", \"reason\": \"signature verified\", \"testing\": false,"
                + " \"unsigned_content\": false}]")));

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.spf.result")).isEqualTo("fail");
        assertThat(mail.getAttribute(AttributeName.of("postino.dkim.result"))).isEmpty();
        assertThat(dns.queries("elsewhere.test", "TXT")).isZero();
        assertThat(fields(mail)[0]).contains("dkim=pass", "header.d=shop.test", "spf=fail");
    }

    @Test
    void dnsDownIsTemperrorAndTheMailGoesOn() throws Exception {
        dns.inject("_dmarc.shop.test", "TXT", TestDnsServer.Fault.TIMEOUT);
        init("dnsRetries", "0");
        Mail mail = mail("192.0.2.1", "bob@pass.test", "news@shop.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("temperror");
        assertThat(attribute(mail, "postino.dmarc.disposition")).isEqualTo("none");
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void trustedAndAuthenticatedSendersAreSkippedButForgedFieldsStillGo() throws Exception {
        init("trustedNetworks", "192.0.2.0/24");
        Mail mail = mail("192.0.2.1", "bob@pass.test", "service@bank.test",
            "Authentication-Results", "mx.postino.test; dmarc=pass");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("skipped");
        assertThat(attribute(mail, "postino.dmarc.reason")).startsWith("trusted network");
        assertThat(fields(mail)).isEmpty();
    }

    @Test
    void severalFromFieldsNeverPass() throws Exception {
        init();
        Mail mail = mail("192.0.2.1", "bob@pass.test", "bob@pass.test", "From", "service@bank.test");

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.result")).isEqualTo("fail");
        assertThat(attribute(mail, "postino.dmarc.header.from")).isEqualTo("bank.test");
    }

    @Test
    void anSmtputf8FromIsReadAsUtf8() throws Exception {
        dns.addTxt("_dmarc.xn--bcher-kva.test", "v=DMARC1; p=reject");
        init();
        byte[] raw = "From: Bücher <news@bücher.test>\r\nSubject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
        Mail mail = FakeMail.builder().name("m").remoteAddr("192.0.2.1").sender(new MailAddress("bob@pass.test"))
            .recipient("alice@postino.test")
            .mimeMessage(new MimeMessage(Session.getDefaultInstance(new Properties()), new ByteArrayInputStream(raw)))
            .build();

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dmarc.header.from")).isEqualTo("xn--bcher-kva.test");
        assertThat(attribute(mail, "postino.dmarc.disposition")).isEqualTo("reject");
        assertThat(SenderAuthentication.utf8("b\u00fccher")).isEqualTo("b\u00fccher");
    }

    @Test
    void refusesBadParameters() {
        assertThatThrownBy(() -> init("dmarcMode", "rfc0")).hasMessageContaining("dmarcMode='rfc0' is not valid");
        assertThatThrownBy(() -> init("authservid", "x")).hasMessageContaining("authservid");
        assertThat(Optional.empty()).isEmpty();
    }
}
