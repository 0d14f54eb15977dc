package dev.postino.james.mailets;

import java.io.IOException;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;

import dev.postino.core.delivery.MessageContent;

/**
 * The message of a James {@link Mail} as the delivery engine reads it: written by James's {@code MimeMessage.writeTo}
 * each time it is needed, straight into the SMTP connection. For a message James has not changed since it was
 * spooled, {@code MimeMessageWrapper} copies it from its source (a file for large messages) without parsing it, so a
 * 50 MB message is never held whole on the heap.
 */
public final class MailMessageContent {

    private MailMessageContent() {
    }

    public static MessageContent of(Mail mail) {
        return MessageContent.streamed(out -> {
            try {
                mail.getMessage().writeTo(out);
            } catch (MessagingException e) {
                throw new IOException("cannot read the message of " + mail.getName() + ": " + e.getMessage(), e);
            }
        });
    }
}
