package dev.postino.core.dsn;

import java.nio.charset.StandardCharsets;

/** Quoted-printable (RFC 2045 §6.7) for the human-readable parts: readable, 7-bit, lines under 77 octets. */
final class QuotedPrintable {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private QuotedPrintable() {
    }

    /** Encodes {@code text} as UTF-8; its line breaks (any kind) become CRLF. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + text.length() / 8);
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int l = 0; l < lines.length; l++) {
            byte[] bytes = lines[l].getBytes(StandardCharsets.UTF_8);
            int column = 0;
            for (int i = 0; i < bytes.length; i++) {
                int b = bytes[i] & 0xff;
                boolean last = i == bytes.length - 1;
                // Trailing white space would be lost in transit, and "=" and 8-bit octets are never literal.
                boolean literal = b >= 33 && b <= 126 && b != '=' || (b == ' ' || b == '\t') && !last;
                int width = literal ? 1 : 3;
                if (column + width > (last ? 76 : 75)) {
                    out.append("=\r\n");
                    column = 0;
                }
                if (literal) {
                    out.append((char) b);
                } else {
                    out.append('=').append(HEX[b >> 4]).append(HEX[b & 15]);
                }
                column += width;
            }
            if (l < lines.length - 1) {
                out.append("\r\n");
            }
        }
        return out.toString();
    }
}
