package dev.postino.core.delivery;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One message to deliver to recipients at one destination: the envelope, its DSN parameters (RFC 3461) and the
 * content, read when it is sent (see {@link MessageContent}; line ends and long lines are made fit for SMTP on the way).
 *
 * <p>Envelope values are checked before any command is written: an address, ORCPT or ENVID holding a control
 * character is refused (see {@link SmtpClient}), never sent.
 *
 * @param sender     the reverse-path, empty for the null sender ({@code <>})
 * @param recipients in the order RCPT TO is sent
 * @param envelopeId the ENVID to forward when the server offers DSN (decoded: it is sent as xtext), or null
 * @param ret        {@code FULL} or {@code HDRS} to forward when the server offers DSN, or null
 * @param content    the message
 */
public record OutboundMessage(String sender, List<Recipient> recipients, String envelopeId, String ret,
                              MessageContent content) {

    private static final Set<String> NOTIFY_KEYWORDS = Set.of("NEVER", "SUCCESS", "FAILURE", "DELAY");

    /**
     * One recipient with its DSN parameters.
     *
     * @param address the forward-path
     * @param notifyOn {@code NEVER}, or some of {@code SUCCESS FAILURE DELAY}; empty when the sender gave none
     * @param orcpt   the original recipient as given, {@code addr-type;address} such as {@code rfc822;bob@example.com}
     *                (not xtext-encoded), or null
     */
    public record Recipient(String address, Set<String> notifyOn, String orcpt) {
        public Recipient {
            Objects.requireNonNull(address, "address");
            notifyOn = Set.copyOf(notifyOn);
            if (!NOTIFY_KEYWORDS.containsAll(notifyOn)) {
                throw new IllegalArgumentException("NOTIFY takes " + NOTIFY_KEYWORDS + ", not " + notifyOn);
            }
        }

        public static Recipient of(String address) {
            return new Recipient(address, Set.of(), null);
        }
    }

    public OutboundMessage {
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(content, "content");
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one recipient");
        }
        if (ret != null && !ret.equals("FULL") && !ret.equals("HDRS")) {
            throw new IllegalArgumentException("RET is FULL or HDRS, not " + ret);
        }
    }

    /** A message held in memory. */
    public OutboundMessage(String sender, List<Recipient> recipients, String envelopeId, String ret, byte[] content) {
        this(sender, recipients, envelopeId, ret, MessageContent.of(content));
    }

    /** A message without DSN parameters. */
    public static OutboundMessage of(String sender, List<String> recipients, String content) {
        return new OutboundMessage(sender, recipients.stream().map(Recipient::of).toList(), null, null,
            content.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether an address is not ASCII, so that the transaction needs SMTPUTF8 (RFC 6531). */
    public boolean needsSmtpUtf8() {
        return !isAscii(sender) || recipients.stream().anyMatch(r -> !isAscii(r.address()));
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /** The same message (and the same {@link MessageContent}, scanned once) for some of the recipients. */
    public OutboundMessage withRecipients(List<Recipient> subset) {
        return new OutboundMessage(sender, subset, envelopeId, ret, content);
    }
}
