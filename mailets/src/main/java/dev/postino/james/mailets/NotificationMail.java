package dev.postino.james.mailets;

import java.util.UUID;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

import dev.postino.james.attributes.SigningAttributes;

/**
 * A notification Postino composed, as it is queued: the null reverse-path (RFC 5321 §4.5.5), from this host
 * (127.0.0.1, as James's own mail), and marked {@code postino.notification} so that a configuration can route it
 * to the processor that signs and relays outgoing mail.
 */
final class NotificationMail {

    private NotificationMail() {
    }

    static Mail of(String sentBy, MailAddress recipient, MimeMessage message) throws MessagingException {
        return of(sentBy, MaybeSender.nullSender(), recipient, message);
    }

    /** A report Postino composed (DMARC aggregate, TLS-RPT): from its reporting address, marked for signing alike. */
    static Mail of(String sentBy, MaybeSender sender, MailAddress recipient, MimeMessage message) throws MessagingException {
        return MailImpl.builder().name("postino-notification-" + UUID.randomUUID())
            .sender(sender)
            .addRecipient(recipient)
            .mimeMessage(message)
            .remoteAddr("127.0.0.1")
            .remoteHost("localhost")
            .addAttribute(new Attribute(SigningAttributes.NOTIFICATION, AttributeValue.of(sentBy)))
            .build();
    }
}
