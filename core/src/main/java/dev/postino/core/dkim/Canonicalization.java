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
        int n = raw.length();
        if (this == SIMPLE) {
            out.put(raw, 0, n);
            out.put('\r');
            out.put('\n');
            return;
        }
        // relaxed never lengthens: each octet written stands for one read, plus the colon (if missing) and CRLF
        byte[] bytes = out.reserve(n + 3);
        int colon = raw.indexOf(':');
        int nameStart = out.length();
        int length = appendUnfoldedAndTrimmed(raw, 0, colon < 0 ? n : colon, bytes, nameStart);
        for (int i = nameStart; i < length; i++) {
            if (bytes[i] >= 'A' && bytes[i] <= 'Z') {
                bytes[i] += 32;
            }
        }
        bytes[length++] = ':';
        if (colon >= 0) {
            length = appendUnfoldedAndTrimmed(raw, colon + 1, n, bytes, length);
        }
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        out.truncate(length);
    }

    /**
     * Writes {@code text[from, to)} unfolded (CRLF, or a bare LF kept verbatim, disappears), with each WSP run
     * as one space and none at either end, into {@code bytes} from {@code at} (room for {@code to - from} octets);
     * returns where it ends.
     */
    private static int appendUnfoldedAndTrimmed(String text, int from, int to, byte[] bytes, int at) {
        int start = at;
        int length = at;
        boolean pendingSpace = false;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t') {
                pendingSpace = true;
            } else if (c == '\r' && i + 1 < to && text.charAt(i + 1) == '\n') {
                i++;
            } else if (c != '\n') {
                if (pendingSpace && length > start) {
                    bytes[length++] = ' ';
                }
                pendingSpace = false;
                bytes[length++] = (byte) c; // chars are octets here
            }
        }
        return length;
    }
}
