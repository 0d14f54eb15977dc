package dev.postino.core.mtasts;

import java.util.Locale;
import java.util.Optional;

/**
 * One {@code mx} value of an MTA-STS policy (RFC 8461 section 4.1): a host name such as {@code mx1.example.com},
 * or a wildcard {@code *.example.com} that stands for exactly one label more to the left ({@code a.example.com},
 * neither {@code example.com} nor {@code a.b.example.com}). Compared without case and without a trailing dot.
 *
 * @param pattern the pattern in lower case, without a trailing dot
 */
public record MxPattern(String pattern) {

    private static final int MAX_NAME = 253;

    public MxPattern {
        if (!valid(pattern)) {
            throw new IllegalArgumentException("not an MX pattern: " + pattern);
        }
        pattern = normalize(pattern);
    }

    /** A pattern from a policy's {@code mx} value, or empty when it is not a host name or {@code *.} and one. */
    public static Optional<MxPattern> parse(String text) {
        return valid(text) ? Optional.of(new MxPattern(text)) : Optional.empty();
    }

    private static boolean valid(String text) {
        if (text == null) {
            return false;
        }
        String name = normalize(text);
        String rest = name.startsWith("*.") ? name.substring(2) : name;
        return !rest.isEmpty() && name.length() <= MAX_NAME && isHostName(rest);
    }

    /** Whether {@code host} (an MX name from DNS) is one this pattern names. */
    public boolean matches(String host) {
        if (host == null) {
            return false;
        }
        String name = normalize(host);
        if (!pattern.startsWith("*.")) {
            return name.equals(pattern);
        }
        String parent = pattern.substring(1); // ".example.com"
        if (!name.endsWith(parent) || name.length() == parent.length()) {
            return false;
        }
        String label = name.substring(0, name.length() - parent.length());
        return label.indexOf('.') < 0;
    }

    private static String normalize(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** LDH labels of 1 to 63 characters (underscores tolerated, as some published names have them). */
    static boolean isHostName(String name) {
        int labelLength = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (labelLength == 0) {
                    return false;
                }
                labelLength = 0;
            } else if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                if (++labelLength > 63) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return labelLength > 0;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
