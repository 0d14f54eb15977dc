package dev.postino.core.mime;

/**
 * Sender input made safe for a header field value that this server writes (Received-SPF, Authentication-Results):
 * printable ASCII only, so no CR or LF can end the field, and quoted-strings and comments escaped so that no input
 * can close them early and add a key or a result.
 */
public final class FieldValueText {

    private FieldValueText() {
    }

    /** Printable ASCII and space only (anything else becomes {@code ?}), at most {@code max} characters. */
    public static String printable(String text, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    /** A quoted-string (RFC 5322 §3.2.4) of {@link #printable} text, with {@code "} and {@code \} escaped. */
    public static String quoted(String text, int max) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : printable(text, max).toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** The inside of a comment (RFC 5322 §3.2.2) of {@link #printable} text, with {@code ( ) \} escaped. */
    public static String comment(String text, int max) {
        StringBuilder out = new StringBuilder();
        for (char c : printable(text, max).toCharArray()) {
            if (c == '(' || c == ')' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
