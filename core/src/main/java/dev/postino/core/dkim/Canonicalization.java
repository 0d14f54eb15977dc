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
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): chars as octets, copied without a new array
    void appendHeader(String raw, Octets out) {
        int n = raw.length();
        if (this == SIMPLE) {
            out.put(raw, 0, n);
            out.put('\r');
            out.put('\n');
            return;
        }
        // relaxed never lengthens: the field is copied into the buffer and canonicalized where it lies (what is
        // written never passes what was read), plus the colon (if missing) and CRLF
        byte[] bytes = out.reserve(n + 3);
        int start = out.length();
        int end = start + n;
        raw.getBytes(0, n, bytes, start);
        int colon = start;
        while (colon < end && bytes[colon] != ':') {
            colon++;
        }
        int length = unfoldAndTrim(bytes, start, colon, start);
        for (int i = start; i < length; i++) {
            if (bytes[i] >= 'A' && bytes[i] <= 'Z') {
                bytes[i] += 32;
            }
        }
        bytes[length++] = ':';
        if (colon < end) {
            length = unfoldAndTrim(bytes, colon + 1, end, length);
        }
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        out.truncate(length);
    }

    /**
     * Rewrites {@code bytes[from, to)} unfolded (CRLF, or a bare LF kept verbatim, disappears), with each WSP run
     * as one space and none at either end, from {@code at} on ({@code at <= from}: each octet written stands for
     * at least one read); returns where it ends.
     */
    private static int unfoldAndTrim(byte[] bytes, int from, int to, int at) {
        int start = at;
        int length = at;
        boolean pendingSpace = false;
        int i = from;
        while (i < to) {
            if (!pendingSpace && length > start) {
                // words and single spaces, 8 octets at a time, as they are (written at or before where they were
                // read: the block is read before it is written); a space that ends the block must be followed by
                // an octet that is not whitespace or a line end, else it may end the value or begin a run
                while (i + 8 <= to) {
                    long x = OctetBlocks.get(bytes, i);
                    if (!OctetBlocks.noOctetBelow0x21(x) && !(OctetBlocks.singleSpaced(x)
                        && (!OctetBlocks.endsWithSpace(x) || i + 8 < to && bytes[i + 8] > ' '))) {
                        break;
                    }
                    OctetBlocks.LONGS.set(bytes, length, x);
                    i += 8;
                    length += 8;
                }
            }
            // then up to 8 octets one by one (so a block that needs a look is looked at once, in linear time)
            for (int stop = Math.min(to, i + 8); i < stop; i++) {
                byte c = bytes[i];
                if (c == ' ' || c == '\t') {
                    pendingSpace = true;
                } else if (c == '\r' && i + 1 < to && bytes[i + 1] == '\n') {
                    i++;
                } else if (c != '\n') {
                    if (pendingSpace && length > start) {
                        bytes[length++] = ' ';
                    }
                    pendingSpace = false;
                    bytes[length++] = c;
                }
            }
        }
        return length;
    }
}
