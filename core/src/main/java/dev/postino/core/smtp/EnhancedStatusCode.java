package dev.postino.core.smtp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 3463 enhanced mail system status code, {@code class.subject.detail} such as {@code 4.7.1}: the class
 * is 2 (success), 4 (persistent transient failure) or 5 (permanent failure); subject and detail have one to
 * three digits.
 */
public record EnhancedStatusCode(int statusClass, int subject, int detail) {

    private static final Pattern SYNTAX = Pattern.compile("([245])\\.([0-9]{1,3})\\.([0-9]{1,3})");

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
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an enhanced status code: expected class.subject.detail such as 4.7.1");
        }
        return new EnhancedStatusCode(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
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
