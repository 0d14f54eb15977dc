package dev.postino.core.dmarc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * RFC 2047 encoded-words decoded as a mail reader shows them, wherever they stand (readers decode them in places
 * RFC 2047 forbids, such as an address), so that a From field nobody can parse is searched for the domains a reader
 * would see. Whitespace between two adjacent encoded-words is dropped (RFC 2047 §6.2). An unknown charset is
 * read as ISO-8859-1, which keeps every ASCII octet (all a domain needs).
 *
 * <p>Linear time: an attempt at one "=?" looks no further than the third '?' after it, so each character is
 * looked at by a bounded number of attempts.
 */
final class EncodedWords {

    private static final int MAX_CHARSET_LENGTH = 64;

    private EncodedWords() {
    }

    static String decode(String text) {
        if (!text.contains("=?")) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int afterLastWord = -1;
        while (i < text.length()) {
            int open = text.indexOf("=?", i);
            if (open < 0) {
                out.append(text, i, text.length());
                break;
            }
            Decoded word = wordAt(text, open);
            if (word == null) {
                out.append(text, i, open + 2);
                i = open + 2;
                continue;
            }
            boolean onlySpaceBetween = afterLastWord == i && text.substring(i, open).isBlank();
            if (!onlySpaceBetween) {
                out.append(text, i, open);
            }
            out.append(word.text);
            i = word.end;
            afterLastWord = i;
        }
        return out.toString();
    }

    private record Decoded(String text, int end) {
    }

    /** The encoded-word starting at {@code open} ("=?"), or null when none does. */
    private static Decoded wordAt(String text, int open) {
        int charsetEnd = text.indexOf('?', open + 2);
        if (charsetEnd < 0 || charsetEnd - open - 2 > MAX_CHARSET_LENGTH || charsetEnd == open + 2) {
            return null;
        }
        if (charsetEnd + 2 >= text.length() || text.charAt(charsetEnd + 2) != '?') {
            return null;
        }
        char encoding = Character.toUpperCase(text.charAt(charsetEnd + 1));
        if (encoding != 'Q' && encoding != 'B') {
            return null;
        }
        int textStart = charsetEnd + 3;
        int textEnd = text.indexOf('?', textStart);
        if (textEnd < 0 || textEnd + 1 >= text.length() || text.charAt(textEnd + 1) != '=') {
            return null;
        }
        String encoded = text.substring(textStart, textEnd);
        for (int k = 0; k < encoded.length(); k++) {
            char c = encoded.charAt(k);
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        byte[] octets = encoding == 'B' ? base64(encoded) : quotedPrintable(encoded);
        if (octets == null) {
            return null;
        }
        return new Decoded(new String(octets, charset(text.substring(open + 2, charsetEnd))), textEnd + 2);
    }

    private static byte[] base64(String encoded) {
        try {
            return Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    /** RFC 2047 "Q": '_' is a space, "=XX" an octet; anything else stands for itself. */
    private static byte[] quotedPrintable(String encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
        for (int k = 0; k < encoded.length(); k++) {
            char c = encoded.charAt(k);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=' && k + 2 < encoded.length() && hex(encoded.charAt(k + 1)) >= 0
                && hex(encoded.charAt(k + 2)) >= 0) {
                out.write(hex(encoded.charAt(k + 1)) * 16 + hex(encoded.charAt(k + 2)));
                k += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    /** The charset named (RFC 2231 allows "charset*language"); ISO-8859-1 when Java does not know it. */
    private static Charset charset(String name) {
        int star = name.indexOf('*');
        String bare = star < 0 ? name : name.substring(0, star);
        try {
            return Charset.forName(bare);
        } catch (IllegalArgumentException unknown) {
            return StandardCharsets.ISO_8859_1;
        }
    }
}
