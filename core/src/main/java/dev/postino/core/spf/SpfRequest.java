package dev.postino.core.spf;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What to check: the SMTP client's address, the MAIL FROM address and the HELO/EHLO name, and which
 * identity to authorize. Build it with {@link #mailFrom} or {@link #helo}.
 *
 * @param clientIp the SMTP client's address (an IPv4-mapped IPv6 address counts as IPv4)
 * @param mailFrom the reverse-path without angle brackets; null or empty for the null reverse-path
 * @param helo     the HELO/EHLO name as given (may be an address literal or garbage: it is sender input)
 * @param identity which identity is checked
 */
public record SpfRequest(InetAddress clientIp, String mailFrom, String helo, SpfIdentity identity) {

    public SpfRequest {
        Objects.requireNonNull(clientIp, "clientIp");
        Objects.requireNonNull(identity, "identity");
        mailFrom = normalize(mailFrom);
        helo = helo == null ? "" : helo;
    }

    /**
     * The MAIL FROM check (RFC 7208 §2.4); with a null reverse-path ({@code null}, {@code ""} or {@code <>})
     * the sender is {@code postmaster@} the HELO name.
     */
    public static SpfRequest mailFrom(InetAddress clientIp, String mailFrom, String helo) {
        return new SpfRequest(clientIp, mailFrom, helo, SpfIdentity.MAIL_FROM);
    }

    /** The HELO check (RFC 7208 §2.3): the sender is {@code postmaster@} the HELO name. */
    public static SpfRequest helo(InetAddress clientIp, String helo) {
        return new SpfRequest(clientIp, "", helo, SpfIdentity.HELO);
    }

    private static String normalize(String mailFrom) {
        if (mailFrom == null) {
            return "";
        }
        String address = mailFrom.trim();
        if (address.length() >= 2 && address.startsWith("<") && address.endsWith(">")) {
            address = address.substring(1, address.length() - 1);
        }
        return address;
    }

    /** The {@code <sender>} of check_host(): the MAIL FROM address, or {@code postmaster@HELO}. */
    public String sender() {
        if (identity == SpfIdentity.HELO || mailFrom.isEmpty()) {
            return "postmaster@" + helo;
        }
        int at = mailFrom.lastIndexOf('@');
        // no local-part: "postmaster" stands in for it (RFC 7208 §4.3)
        return at <= 0 ? "postmaster@" + mailFrom.substring(at + 1) : mailFrom;
    }

    /** The sender's local-part ({@code %{l}}). */
    String localPart() {
        String sender = sender();
        return sender.substring(0, sender.lastIndexOf('@'));
    }

    /** The domain checked first: the sender's domain ({@code %{o}}). */
    public String domain() {
        String sender = sender();
        return sender.substring(sender.lastIndexOf('@') + 1);
    }
}
