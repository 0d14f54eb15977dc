package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;

class RemoveForgedVerdictsTest {

    private static final String FORGED = "Received-SPF: softfail (other.test: x) receiver=upstream.test;\r\n"
        + "X-Postino-Dkim: pass\r\n"
        + "x-postino-iprev: pass\r\n"
        + "Received-SPF: pass (MX.postino.test: domain of ceo@bank.test designates 192.0.2.1 as permitted sender)\r\n"
        + "X-POSTINO-Warning: none\r\n"
        + "Received-SPF: pass client-ip=192.0.2.1;\r\n receiver=\"mx.postino.test\";\r\n"
        + "Received-SPF: pass (mx.upstream.test: domain of bob@mx.postino.test designates 192.0.2.9 as permitted"
        + " sender)\r\n"
        + "X-Postinoise: kept\r\n"
        + "From: ceo@bank.test\r\nSubject: hi\r\n\r\nbody\r\n";

    private static RemoveForgedVerdicts mailet(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("RemoveForgedVerdicts");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        RemoveForgedVerdicts mailet = new RemoveForgedVerdicts();
        mailet.init(config.build());
        return mailet;
    }

    private static Mail mail(String raw) throws Exception {
        return FakeMail.builder().name("m").recipient("alice@postino.test").mimeMessage(new MimeMessage(
            Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII))))
            .build();
    }

    private static String written(Mail mail) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        mail.getMessage().writeTo(out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void forgedVerdictsGoInAnyCaseAndEverythingElseStaysInOrder() throws Exception {
        Mail mail = mail(FORGED);

        mailet("receiver", "mx.postino.test").service(mail);

        String message = written(mail);
        assertThat(message.toLowerCase()).doesNotContain("x-postino-");
        assertThat(mail.getMessage().getHeader("Received-SPF")).containsExactly(
            "softfail (other.test: x) receiver=upstream.test;",
            "pass (mx.upstream.test: domain of bob@mx.postino.test designates 192.0.2.9 as permitted sender)");
        assertThat(message).contains("X-Postinoise: kept", "From: ceo@bank.test", "Subject: hi").endsWith("\r\n\r\nbody\r\n");
    }

    @Test
    void theDefaultReceiverIsTheLocalHostName() throws Exception {
        String host = dev.postino.core.net.LocalHostName.get();
        Mail mail = mail("Received-SPF: pass (" + host + ": forged)\r\nSubject: s\r\n\r\nb\r\n");

        mailet().service(mail);

        assertThat(mail.getMessage().getHeader("Received-SPF")).isNull();
    }

    @Test
    void noneKeepsEverything() throws Exception {
        Mail mail = mail(FORGED);
        String before = written(mail);

        mailet("headerPrefixes", "none", "receiver", "none").service(mail);

        assertThat(written(mail)).isEqualTo(before);
    }

    @Test
    void otherPrefixesCanBeNamed() throws Exception {
        Mail mail = mail("X-Spam-Flag: NO\r\nX-Postino-Dkim: pass\r\nSubject: s\r\n\r\nb\r\n");

        mailet("headerPrefixes", "x-spam-, X-Postino-").service(mail);

        assertThat(mail.getMessage().getHeader("X-Spam-Flag")).isNull();
        assertThat(mail.getMessage().getHeader("X-Postino-Dkim")).isNull();
        assertThat(mail.getMessage().getHeader("Subject")).containsExactly("s");
    }

    @Test
    void badParametersAreRefusedWithNameAndValue() {
        assertThatThrownBy(() -> mailet("headerPrefixes", "X-Postino:"))
            .hasMessage("RemoveForgedVerdicts: init parameter headerPrefixes='X-Postino:' is not valid: expected header"
                + " field name prefixes such as X-Postino-");
        assertThatThrownBy(() -> mailet("receiver", "mx.postino.test, not a host"))
            .hasMessageStartingWith("RemoveForgedVerdicts: init parameter receiver='not a host' is not valid");
        assertThatThrownBy(() -> mailet("prefix", "X-")).hasMessageContaining("unknown init parameter 'prefix'");
    }
}
