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
     * Appends the canonical form of one header field, CRLF included, to {@code out}.
     *
     * @param raw the field as received, chars as octets (folded lines joined with their line ends, no final line end)
     */
    void appendHeader(String raw, Octets out) {
        if (this == SIMPLE) {
            out.put(raw, 0, raw.length());
        } else {
            int colon = raw.indexOf(':');
            int nameStart = out.length();
            appendUnfoldedAndTrimmed(raw, 0, colon < 0 ? raw.length() : colon, out);
            out.lowercaseFrom(nameStart);
            out.put(':');
            if (colon >= 0) {
                appendUnfoldedAndTrimmed(raw, colon + 1, raw.length(), out);
            }
        }
        out.put('\r');
        out.put('\n');
    }

    /**
     * Appends {@code text[from, to)} unfolded (CRLF, or a bare LF kept verbatim, disappears), with each WSP run
     * as one space and none at either end.
     */
    private static void appendUnfoldedAndTrimmed(String text, int from, int to, Octets out) {
        int start = out.length();
        boolean pendingSpace = false;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t') {
                pendingSpace = true;
            } else if (c == '\r' && i + 1 < to && text.charAt(i + 1) == '\n') {
                i++;
            } else if (c != '\n') {
                if (pendingSpace && out.length() > start) {
                    out.put(' ');
                }
                pendingSpace = false;
                out.put(c);
            }
        }
    }
}
