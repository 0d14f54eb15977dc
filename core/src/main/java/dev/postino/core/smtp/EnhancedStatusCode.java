package dev.postino.core.smtp;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 3463 enhanced mail system status code, {@code class.subject.detail} such as {@code 4.7.1}: the class
 * is 2 (success), 4 (persistent transient failure) or 5 (permanent failure); subject and detail have one to
 * three digits.
 */
public record EnhancedStatusCode(int statusClass, int subject, int detail) {

    private static final Pattern SYNTAX = Pattern.compile("([245])\\.([0-9]{1,3})\\.([0-9]{1,3})");
    /** A reply's basic code, then optionally its enhanced code (RFC 2034 §4: after the basic code and a space or hyphen). */
    private static final Pattern REPLY = Pattern.compile("^\\s*([2-5]\\d\\d)(?:[ -]+([245]\\.\\d{1,3}\\.\\d{1,3})(?![.\\d]))?");

    /** RFC 3463 X.4.7 "delivery time expired": what a message that kept failing temporarily gives up with. */
    public static final EnhancedStatusCode DELIVERY_TIME_EXPIRED = new EnhancedStatusCode(4, 4, 7);

    public EnhancedStatusCode {
        if (statusClass != 2 && statusClass != 4 && statusClass != 5) {
            throw new IllegalArgumentException("status class must be 2, 4 or 5, was " + statusClass);
        }
        if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
            throw new IllegalArgumentException("subject and detail must be 0-999, were " + subject + "." + detail);
        }
    }

    /**
     * Parses {@code 4.7.1}.
     *
     * @throws IllegalArgumentException when the text is not of that form
     */
    public static EnhancedStatusCode parse(String text) {
        Matcher m = SYNTAX.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an enhanced status code: expected class.subject.detail such as 4.7.1");
        }
        return new EnhancedStatusCode(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /**
     * The status an SMTP reply stands for: its enhanced code when it has one of the same class as its basic
     * code; else a code mapped from the basic reply code; empty when the text is not an SMTP reply.
     */
    public static Optional<EnhancedStatusCode> fromReply(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        Matcher m = REPLY.matcher(reply);
        if (!m.find()) {
            return Optional.empty();
        }
        int basic = Integer.parseInt(m.group(1));
        if (m.group(2) != null) {
            EnhancedStatusCode enhanced = parse(m.group(2));
            // RFC 3463 §2: the enhanced class must agree with the basic code's; a disagreeing one is not trusted.
            if (enhanced.statusClass == basic / 100) {
                return Optional.of(enhanced);
            }
        }
        return fromBasicCode(basic);
    }

    /** The closest enhanced code for a basic SMTP reply code (RFC 5321 §4.2.3, RFC 3463, RFC 7504). */
    static Optional<EnhancedStatusCode> fromBasicCode(int basic) {
        return Optional.ofNullable(switch (basic) {
            case 421 -> new EnhancedStatusCode(4, 4, 2);
            case 450 -> new EnhancedStatusCode(4, 2, 0);
            case 451 -> new EnhancedStatusCode(4, 3, 0);
            case 452 -> new EnhancedStatusCode(4, 3, 1);
            case 500, 502, 503 -> new EnhancedStatusCode(5, 5, basic == 500 ? 2 : 1);
            case 501, 504 -> new EnhancedStatusCode(5, 5, 4);
            case 521, 556 -> new EnhancedStatusCode(5, 1, 10);
            case 551 -> new EnhancedStatusCode(5, 1, 6);
            case 552 -> new EnhancedStatusCode(5, 2, 2);
            case 553 -> new EnhancedStatusCode(5, 1, 3);
            default -> switch (basic / 100) {
                case 2 -> new EnhancedStatusCode(2, 0, 0);
                case 4 -> new EnhancedStatusCode(4, 0, 0);
                case 5 -> new EnhancedStatusCode(5, 0, 0);
                default -> null;
            };
        });
    }

    /** True for class 4 or 5. */
    public boolean isFailure() {
        return statusClass != 2;
    }

    /** The undefined-detail code {@code X.0.0} of a basic reply code's class (RFC 3463 "other undefined status"). */
    public static EnhancedStatusCode undefinedOf(int basicCode) {
        return new EnhancedStatusCode(basicCode / 100, 0, 0);
    }

    @Override
    public String toString() {
        return statusClass + "." + subject + "." + detail;
    }
}
