package dev.postino.core.dkim;

import java.util.Locale;

/** The two canonicalization algorithms of RFC 6376 §3.4, for header fields and for the body. */
public enum Canonicalization {
    /** Nothing changes (headers); only trailing empty lines go (body). */
    SIMPLE,
    /** Whitespace runs become one space, trailing whitespace goes, header names are lowercased. */
    RELAXED;

    /** The c= word, or null when it names no algorithm. */
    static Canonicalization fromWord(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /**
     * The canonical form of one header field, chars as octets (ISO-8859-1), ending with CRLF.
     *
     * @param field the field as received (folded lines joined with their line ends, no final line end)
     */
    String header(HeaderField field) {
        if (this == SIMPLE) {
            return field.raw() + "\r\n";
        }
        String raw = field.raw();
        int colon = raw.indexOf(':');
        String name = colon < 0 ? raw : raw.substring(0, colon);
        StringBuilder out = new StringBuilder(raw.length() + 2);
        appendTrimmed(name, out);
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                out.setCharAt(i, (char) (c + 32));
            }
        }
        out.append(':');
        if (colon >= 0) {
            int valueStart = out.length();
            boolean pendingSpace = false;
            for (int i = colon + 1; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '\r' && i + 1 < raw.length() && raw.charAt(i + 1) == '\n') {
                    i++; // unfolding: the CRLF of a continuation line disappears, its WSP stays
                } else if (c == '\n') {
                    // a bare LF kept verbatim unfolds the same way
                } else if (c == ' ' || c == '\t') {
                    pendingSpace = true;
                } else {
                    if (pendingSpace && out.length() > valueStart) {
                        out.append(' ');
                    }
                    pendingSpace = false;
                    out.append(c);
                }
            }
        }
        return out.append("\r\n").toString();
    }

    /** Appends {@code text} without its leading and trailing whitespace; runs inside become one space. */
    private static void appendTrimmed(String text, StringBuilder out) {
        int start = out.length();
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                pendingSpace = true;
            } else {
                if (pendingSpace && out.length() > start) {
                    out.append(' ');
                }
                pendingSpace = false;
                out.append(c);
            }
        }
    }
}
