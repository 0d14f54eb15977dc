package dev.postino.james.mailets;

import java.io.IOException;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.delivery.MessageContent;

/**
 * The message of a James {@link Mail} as the delivery engine reads it: written by James's {@code MimeMessage.writeTo}
 * each time it is needed, straight into the SMTP connection. For a message James has not changed since it was
 * spooled, {@code MimeMessageWrapper} copies it from its source (a file for large messages) without parsing it, so a
 * 50 MB message is never held whole on the heap.
 */
public final class MailMessageContent {

    private static final Logger LOGGER = LoggerFactory.getLogger(PolicyRemoteDelivery.class);

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

    /** Reads the message once to know its size and what the wire form changes; logs those changes. */
    static void scan(Mail mail, MessageContent content) throws MessagingException {
        try {
            MessageContent.Scan scan = content.scan();
            if (scan.altered()) {
                logAlterations(mail, scan);
            }
        } catch (IOException e) {
            throw new MessagingException("cannot read the message of " + mail.getName() + ": " + e.getMessage(), e);
        }
    }

    /** Never silent: a signed message the wire form changed is a warning, since its signature may fail downstream. */
    private static void logAlterations(Mail mail, MessageContent.Scan scan) {
        if (scan.dkimSigned()) {
            LOGGER.warn("{}: made fit for SMTP: {}; its DKIM signature may no longer verify", mail.getName(),
                scan.alterations());
        } else {
            LOGGER.info("{}: made fit for SMTP: {}", mail.getName(), scan.alterations());
        }
    }
}
