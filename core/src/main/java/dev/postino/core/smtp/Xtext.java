package dev.postino.core.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * RFC 3461 section 4 xtext, the form of the ENVID and ORCPT values in SMTP commands: every octet outside {@code !}
 * to {@code ~}, and {@code +} and {@code =}, written as {@code +} and two upper-case hex digits.
 */
public final class Xtext {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Xtext() {
    }

    /** {@code value}'s UTF-8 octets as xtext: controls, space, {@code +}, {@code =} and non-ASCII octets as {@code +XX}. */
    public static String encode(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                out.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    /**
     * The value {@code xtext} stands for, its octets read as UTF-8 (James keeps ENVID as it came, still encoded). A
     * {@code +} without two hex digits after it is kept as it is.
     */
    public static String decode(String xtext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        byte[] in = xtext.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            int high = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
            int low = high >= 0 ? Character.digit(in[i + 2], 16) : -1;
            if (in[i] == '+' && low >= 0) {
                out.write(high << 4 | low);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
