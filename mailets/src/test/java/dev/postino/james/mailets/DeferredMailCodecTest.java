package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;
import org.junit.jupiter.api.Test;

import dev.postino.core.deferral.DeferredMail;
import dev.postino.core.delivery.RecipientState;

class DeferredMailCodecTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void aParkedMailComesBackWithItsEnvelopeAttributesAndOctets() throws Exception {
        String octets = "From: alice@example.org\r\nSubject: kept as is\r\n\r\nline one\r\n.dot line\r\n";
        MailImpl mail = MailImpl.builder().name("Mail-123").sender("alice@example.org")
            .addRecipients("bob@one.test", "carol@two.test").remoteHost("client.example.org").remoteAddr("192.0.2.7")
            .addAttribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("pass")))
            .addAttribute(new Attribute(AttributeName.of("count"), AttributeValue.of(42)))
            .addHeaderForRecipient(PerRecipientHeaders.Header.builder().name("X-For").value("bob").build(), new MailAddress("bob@one.test"))
            .mimeMessage(new MimeMessage(Session.getDefaultInstance(new Properties()),
                new java.io.ByteArrayInputStream(octets.getBytes(StandardCharsets.UTF_8))))
            .build();
        List<RecipientState> states = List.of(RecipientState.arrived("bob@one.test", NOW), RecipientState.arrived("carol@two.test", NOW));
        DeliveryAttributes.setStates(mail, states);

        DeferredMail parked = DeferredMailCodec.encode(mail, states, NOW.plusSeconds(60));
        Mail back = DeferredMailCodec.decode(parked);

        assertThat(parked.dueAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(back.getName()).isEqualTo("Mail-123");
        assertThat(back.getMaybeSender().asString()).isEqualTo("alice@example.org");
        assertThat(back.getRecipients()).extracting(MailAddress::asString).containsExactly("bob@one.test", "carol@two.test");
        assertThat(back.getRemoteHost()).isEqualTo("client.example.org");
        assertThat(back.getRemoteAddr()).isEqualTo("192.0.2.7");
        assertThat(back.getAttribute(AttributeName.of("postino.spf.result"))).map(a -> (Object) a.getValue().value()).contains("pass");
        assertThat(back.getAttribute(AttributeName.of("count"))).map(a -> (Object) a.getValue().value()).contains(42);
        assertThat(DeliveryAttributes.states(back)).isEqualTo(states);
        assertThat(back.getPerRecipientSpecificHeaders().getHeadersForRecipient(new MailAddress("bob@one.test")))
            .extracting(PerRecipientHeaders.Header::getValue).containsExactly("bob");
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        back.getMessage().writeTo(written);
        assertThat(written.toString(StandardCharsets.UTF_8)).isEqualTo(octets);
    }

    @Test
    void theNullSenderStaysNullAndTheBounceMarkIsTakenOnce() throws Exception {
        MailImpl mail = MailImpl.builder().name("bounce-1").addRecipient("bob@one.test")
            .mimeMessage(new MimeMessage(Session.getDefaultInstance(new Properties()),
                new java.io.ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8))))
            .build();
        Mail back = DeferredMailCodec.decode(DeferredMailCodec.encode(mail, List.of(RecipientState.arrived("bob@one.test", NOW)), NOW));
        assertThat(back.getMaybeSender().isNullSender()).isTrue();

        back.setAttribute(new Attribute(DeferredMailCodec.GIVE_UP, AttributeValue.of("bounced by the administrator")));
        assertThat(DeferredMailCodec.takeGiveUp(back)).contains("bounced by the administrator");
        assertThat(DeferredMailCodec.takeGiveUp(back)).isEmpty();
    }
}
