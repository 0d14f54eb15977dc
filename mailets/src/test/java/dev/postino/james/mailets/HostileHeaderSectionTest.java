package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
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
import dev.postino.core.json.Json;

/**
 * The authentication mailet on the hostile header sections of the core test-jar ({@code hostile/header-section/},
 * CR CR LF smuggling, a bare CR inside From or another field, LF-only and mixed line ends), each held as James
 * holds a message received over SMTP (a {@link MimeMessageWrapper} over the octets), must give the verdicts of
 * {@code expected.tsv}: the ones {@code postino auth} gives on the same files (cli's AuthCommandHostileFilesTest).
 */
class HostileHeaderSectionTest {

    private static final String FOLDER = "hostile/header-section/";

    private TestDnsServer dns;
    private AuthenticationCheck mailet;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        for (String line : text("dns.txt").split("\n")) {
            if (line.contains("\t")) {
                dns.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1));
            }
        }
        mailet = new AuthenticationCheck();
        mailet.init(FakeMailetConfig.builder().mailetName("AuthenticationCheck")
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "2s")
            .setProperty("authservId", "mx.postino.test").setProperty("trustedNetworks", "none").build());
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = HostileHeaderSectionTest.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            assertThat(in).as("core test-jar resource " + FOLDER + name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static String text(String name) throws IOException {
        return new String(resource(name), StandardCharsets.US_ASCII);
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    @Test
    void theMailetGivesTheVerdictsOfTheTable() throws Exception {
        int checked = 0;
        for (String line : text("expected.tsv").split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] expected = line.split("\t");
            MimeMessageWrapper message = new MimeMessageWrapper(MimeMessageInputStreamSource.create(expected[0],
                new ByteArrayInputStream(resource(expected[0]))));
            try {
                Mail mail = FakeMail.builder().name(expected[0]).remoteAddr("192.0.2.9").remoteHost("mx.forwarder.test")
                    .sender(new MailAddress(expected[1])).recipient("suzie@postino.test").mimeMessage(message)
                    .attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of("mx.forwarder.test"))).build();

                mailet.service(mail);

                List<String> dkim = new ArrayList<>();
                for (Object signature : (List<?>) Json.read(attribute(mail, "postino.dkim.signatures"))) {
                    dkim.add((String) ((Map<?, ?>) signature).get("result"));
                }
                String[] actual = {expected[0], expected[1], dkim.isEmpty() ? "-" : String.join(",", dkim),
                    attribute(mail, "postino.dmarc.result"), attribute(mail, "postino.dmarc.disposition"),
                    attribute(mail, "postino.dmarc.header.from")};
                assertThat(String.join("\t", actual)).as(attribute(mail, "postino.dmarc.reason")).isEqualTo(line);
                checked++;
            } finally {
                message.dispose();
            }
        }
        assertThat(checked).isEqualTo(6);
    }
}
