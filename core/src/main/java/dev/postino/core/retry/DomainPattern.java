package dev.postino.core.retry;

import java.util.Locale;

/**
 * The first field of a retry rule, matched case-insensitively against the recipient's domain: {@code *} (any
 * domain), {@code example.com} (that domain only) or {@code *.example.com} (its subdomains only, not
 * {@code example.com} itself, as in Exim's domain lists: write both rules to cover both).
 */
public record DomainPattern(String text) {

    private static final String LABELS = "[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*";

    public DomainPattern {
        text = normalize(text);
        String domain = text.startsWith("*.") ? text.substring(2) : text;
        if (!text.equals("*") && !domain.matches(LABELS)) {
            String hint = text.contains("@") ? ": rules match the recipient's domain, not a whole address" : "";
            throw new IllegalArgumentException("'" + text + "' is not a domain pattern" + hint
                + ": expected *, a domain such as example.com, or *.example.com for its subdomains");
        }
    }

    /** Whether {@code domain} (any case, a trailing dot ignored) matches. */
    public boolean matches(String domain) {
        String d = normalize(domain);
        if (text.equals("*")) {
            return true;
        }
        if (text.startsWith("*.")) {
            return d.endsWith(text.substring(1));
        }
        return d.equals(text);
    }

    private static String normalize(String s) {
        String lower = s.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
    }

    @Override
    public String toString() {
        return text;
    }
}
