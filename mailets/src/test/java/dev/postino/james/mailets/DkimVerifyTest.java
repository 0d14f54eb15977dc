package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

/** DkimVerify on the RFC 8463 example (one ed25519 and one rsa-sha256 signature), keys from the test DNS server. */
class DkimVerifyTest {

    private TestDnsServer dns;
    private DkimVerify mailet;
    private byte[] signed;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        try (InputStream keys = resource("dkim/rfc8463/dns.txt")) {
            for (String line : new String(keys.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.contains("\t")) {
                    dns.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1).trim());
                }
            }
        }
        try (InputStream message = resource("dkim/rfc8463/message.crlf.eml")) {
            signed = message.readAllBytes();
        }
        mailet = new DkimVerify();
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private static InputStream resource(String name) {
        InputStream in = DkimVerifyTest.class.getClassLoader().getResourceAsStream(name);
        assertThat(in).as(name).isNotNull();
        return in;
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("DkimVerify")
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "2s")
            .setProperty("clockSkew", "3650d"); // the RFC example is dated 2018
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static Mail mail(byte[] raw) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        return FakeMail.builder().name("m").recipient("jdoe@football.example.com").mimeMessage(message).build();
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    @Test
    void bothSignaturesOfTheRfc8463ExamplePass() throws Exception {
        init();
        Mail mail = mail(signed);

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dkim.result")).isEqualTo("pass");
        assertThat(attribute(mail, "postino.dkim.pass.domains")).isEqualTo("football.example.com");
        String signatures = attribute(mail, "postino.dkim.signatures");
        assertThat(signatures).startsWith("[{\"result\":\"pass\",\"domain\":\"football.example.com\",\"selector\":\"brisbane\","
            + "\"algorithm\":\"ed25519-sha256\"").contains("\"selector\":\"test\",\"algorithm\":\"rsa-sha256\"")
            .contains("\"unsigned_content\":false");
    }

    @Test
    void aChangedBodyFailsEverySignature() throws Exception {
        init();
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        Mail mail = mail(text.replace("Hi.", "Hi!").getBytes(StandardCharsets.ISO_8859_1));

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dkim.result")).isEqualTo("fail");
        assertThat(attribute(mail, "postino.dkim.pass.domains")).isEmpty();
        assertThat(attribute(mail, "postino.dkim.signatures")).contains("\"result\":\"fail\"").doesNotContain("\"result\":\"pass\"");
    }

    @Test
    void verdictsAnEarlierStepLeftAreKept() throws Exception {
        init();
        Mail mail = mail(signed);
        mail.setAttribute(new org.apache.mailet.Attribute(AttributeName.of("postino.dkim.signatures"),
            org.apache.mailet.AttributeValue.of("[]")));

        mailet.service(mail);

        assertThat(mail.getAttribute(AttributeName.of("postino.dkim.result"))).isEmpty();
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void noSignatureIsNone() throws Exception {
        init();
        Mail mail = mail("From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dkim.result")).isEqualTo("none");
        assertThat(attribute(mail, "postino.dkim.signatures")).isEqualTo("[]");
    }

    @Test
    void dnsDownIsATemperrorAndTheMailGoesOn() throws Exception {
        dns.inject("brisbane._domainkey.football.example.com", "TXT", TestDnsServer.Fault.SERVFAIL);
        dns.inject("test._domainkey.football.example.com", "TXT", TestDnsServer.Fault.SERVFAIL);
        init();
        Mail mail = mail(signed);

        mailet.service(mail);

        assertThat(attribute(mail, "postino.dkim.result")).isEqualTo("temperror");
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> init("rsaSha1", "allow"))
            .hasMessage("DkimVerify: init parameter rsaSha1='allow' is not valid: expected one of fail, permerror, policy, verify");
        assertThatThrownBy(() -> init("minRsaKeyBits", "lots")).hasMessageContaining("minRsaKeyBits='lots'");
    }
}
