package dev.postino.core.dsn;

import java.util.Objects;
import java.util.regex.Pattern;

import dev.postino.core.smtp.Xtext;

/**
 * The original recipient of RFC 3461 §4.2 (the ORCPT parameter of RCPT TO), the one place where its forms are
 * written: the stored form ({@code rfc822;bob@example.com}, as the outcomes attribute and {@code OutboundMessage}
 * carry it), the ESMTP parameter (the address as xtext) and the {@code Original-Recipient} field of a delivery
 * status notification (RFC 3464 §2.3.1, {@code rfc822; bob@example.com}).
 *
 * @param type    the address type, an atom such as {@code rfc822}
 * @param address the address, decoded (never xtext)
 */
public record OriginalRecipient(String type, String address) {

    /** The address type of Internet mail addresses: James gives no other. */
    public static final String RFC822 = "rfc822";
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");

    public OriginalRecipient {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(address, "address");
        if (!TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("'" + type + "' is not an address type (RFC 3461 addr-type)");
        }
        if (address.isBlank()) {
            throw new IllegalArgumentException("an original recipient needs an address");
        }
    }

    /** An Internet mail address as the original recipient. */
    public static OriginalRecipient rfc822(String address) {
        return new OriginalRecipient(RFC822, address);
    }

    /**
     * Reads the stored form {@code type;address}, or the field form {@code type; address}; text without a
     * {@code ;} is an {@code rfc822} address.
     *
     * @throws IllegalArgumentException when the type is not an atom or there is no address
     */
    public static OriginalRecipient parse(String text) {
        Objects.requireNonNull(text, "text");
        int semicolon = text.indexOf(';');
        return semicolon < 0 ? rfc822(text.strip())
            : new OriginalRecipient(text.substring(0, semicolon).strip(), text.substring(semicolon + 1).strip());
    }

    /** The value of the ORCPT parameter: {@code rfc822;} and the address as xtext. */
    public String asParameter() {
        return type + ";" + Xtext.encode(address);
    }

    /** The value of a notification's {@code Original-Recipient} field: {@code rfc822; bob@example.com}. */
    public String asField() {
        return type + "; " + address;
    }

    /** The stored form, {@code rfc822;bob@example.com}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return type + ";" + address;
    }
}
