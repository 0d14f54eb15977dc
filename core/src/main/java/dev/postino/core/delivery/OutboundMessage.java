package dev.postino.core.delivery;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One message to deliver to recipients at one destination: the envelope, its DSN parameters (RFC 3461) and the
 * content as it goes over the wire before dot-stuffing (RFC 5322 text; bare LF line ends are sent as CR LF).
 *
 * @param sender     the reverse-path, empty for the null sender ({@code <>})
 * @param recipients in the order RCPT TO is sent
 * @param envelopeId the ENVID to forward when the server offers DSN, or null
 * @param ret        {@code FULL} or {@code HDRS} to forward when the server offers DSN, or null
 * @param content    the message
 */
public record OutboundMessage(String sender, List<Recipient> recipients, String envelopeId, String ret, byte[] content) {

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
    }

    /** A message without DSN parameters. */
    public static OutboundMessage of(String sender, List<String> recipients, String content) {
        return new OutboundMessage(sender, recipients.stream().map(Recipient::of).toList(), null, null,
            content.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether any octet has the high bit set (then {@code BODY=8BITMIME} is declared when the server offers it). */
    public boolean isEightBit() {
        for (byte b : content) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether an address is not ASCII, so that the transaction needs SMTPUTF8 (RFC 6531). */
    public boolean needsSmtpUtf8() {
        return !isAscii(sender) || recipients.stream().anyMatch(r -> !isAscii(r.address()));
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    public OutboundMessage withRecipients(List<Recipient> subset) {
        return new OutboundMessage(sender, subset, envelopeId, ret, content);
    }
}
