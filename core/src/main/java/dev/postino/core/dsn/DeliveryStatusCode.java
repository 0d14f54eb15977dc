package dev.postino.core.dsn;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An enhanced mail system status code (RFC 3463): {@code class.subject.detail}, e.g. {@code 5.1.1}.
 *
 * @param statusClass 2 (success), 4 (persistent transient failure) or 5 (permanent failure)
 * @param subject     0 to 999
 * @param detail      0 to 999
 */
public record DeliveryStatusCode(int statusClass, int subject, int detail) {

    private static final Pattern CODE = Pattern.compile("([245])\\.(\\d{1,3})\\.(\\d{1,3})");
    /** A reply's basic code, then optionally its enhanced code (RFC 2034 §4: after the basic code and a space or hyphen). */
    private static final Pattern REPLY = Pattern.compile("^\\s*([2-5]\\d\\d)(?:[ -]+([245]\\.\\d{1,3}\\.\\d{1,3})(?![.\\d]))?");

    public DeliveryStatusCode {
        if (statusClass != 2 && statusClass != 4 && statusClass != 5 || subject < 0 || subject > 999 || detail < 0 || detail > 999) {
            throw new IllegalArgumentException("not an enhanced status code: " + statusClass + "." + subject + "." + detail);
        }
    }

    /**
     * Parses {@code X.Y.Z}.
     *
     * @throws IllegalArgumentException when {@code text} is not a valid code
     */
    public static DeliveryStatusCode parse(String text) {
        Matcher m = CODE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an enhanced status code such as 5.1.1");
        }
        return new DeliveryStatusCode(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /**
     * The status an SMTP reply stands for: its enhanced code when it has one of the same class as its basic
     * code; else a code mapped from the basic reply code; empty when the text is not an SMTP reply.
     */
    public static Optional<DeliveryStatusCode> fromReply(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        Matcher m = REPLY.matcher(reply);
        if (!m.find()) {
            return Optional.empty();
        }
        int basic = Integer.parseInt(m.group(1));
        if (m.group(2) != null) {
            DeliveryStatusCode enhanced = parse(m.group(2));
            // RFC 3463 §2: the enhanced class must agree with the basic code's; a disagreeing one is not trusted.
            if (enhanced.statusClass == basic / 100) {
                return Optional.of(enhanced);
            }
        }
        return fromBasicCode(basic);
    }

    /** The closest enhanced code for a basic SMTP reply code (RFC 5321 §4.2.3, RFC 3463, RFC 7504). */
    static Optional<DeliveryStatusCode> fromBasicCode(int basic) {
        return Optional.ofNullable(switch (basic) {
            case 421 -> new DeliveryStatusCode(4, 4, 2);
            case 450 -> new DeliveryStatusCode(4, 2, 0);
            case 451 -> new DeliveryStatusCode(4, 3, 0);
            case 452 -> new DeliveryStatusCode(4, 3, 1);
            case 500, 502, 503 -> new DeliveryStatusCode(5, 5, basic == 500 ? 2 : 1);
            case 501, 504 -> new DeliveryStatusCode(5, 5, 4);
            case 521, 556 -> new DeliveryStatusCode(5, 1, 10);
            case 551 -> new DeliveryStatusCode(5, 1, 6);
            case 552 -> new DeliveryStatusCode(5, 2, 2);
            case 553 -> new DeliveryStatusCode(5, 1, 3);
            default -> switch (basic / 100) {
                case 2 -> new DeliveryStatusCode(2, 0, 0);
                case 4 -> new DeliveryStatusCode(4, 0, 0);
                case 5 -> new DeliveryStatusCode(5, 0, 0);
                default -> null;
            };
        });
    }

    /** True for class 4 or 5. */
    public boolean isFailure() {
        return statusClass != 2;
    }

    @Override
    public String toString() {
        return statusClass + "." + subject + "." + detail;
    }
}
