package dev.postino.core.dsn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Header field text: RFC 2047 encoded words both ways, and the flattening that keeps values on one field. */
final class HeaderText {

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");
    /** UTF-8 octets per encoded word: 45 encode to 60 base64 characters, 72 with the wrapping, under RFC 2047's 75. */
    private static final int WORD_OCTETS = 45;

    private HeaderText() {
    }

    /**
     * One line of plain text: every control character (CR and LF above all, so no value can start a header
     * field or a MIME part of its own) becomes a space, runs of spaces shrink to one, at most {@code max}
     * characters are kept.
     */
    static String flatten(String text, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        boolean space = false;
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            boolean blank = Character.isWhitespace(c) || Character.isISOControl(c) || c == 0x2028 || c == 0x2029;
            if (blank) {
                space = out.length() > 0;
            } else {
                if (space) {
                    out.append(' ');
                    space = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Decodes the RFC 2047 encoded words of an unfolded header value; white space between two of them goes. */
    static String decode(String value) {
        if (value == null || !value.contains("=?")) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        Matcher m = ENCODED_WORD.matcher(value);
        int last = 0;
        boolean previousWasWord = false;
        while (m.find()) {
            String between = value.substring(last, m.start());
            if (!(previousWasWord && between.isBlank())) {
                out.append(between);
            }
            String decoded = decodeWord(m.group(1), m.group(2), m.group(3));
            out.append(decoded == null ? m.group() : decoded);
            previousWasWord = decoded != null;
            last = m.end();
        }
        out.append(value.substring(last));
        return out.toString();
    }

    private static String decodeWord(String charsetName, String encoding, String text) {
        try {
            int star = charsetName.indexOf('*'); // RFC 2231 language suffix
            Charset charset = Charset.forName(star < 0 ? charsetName : charsetName.substring(0, star));
            byte[] bytes;
            if (encoding.equalsIgnoreCase("B")) {
                bytes = Base64.getMimeDecoder().decode(text);
            } else {
                ByteArrayOutputStream q = new ByteArrayOutputStream();
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c == '_') {
                        q.write(' ');
                    } else if (c == '=' && i + 2 < text.length()) {
                        q.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                        i += 2;
                    } else {
                        q.write(c);
                    }
                }
                bytes = q.toByteArray();
            }
            return new String(bytes, charset);
        } catch (IllegalArgumentException e) {
            // An unknown charset or bad encoding: the word is shown as it was written.
            return null;
        }
    }

    /**
     * A header value that may hold any text: as it is when printable ASCII, else as UTF-8 "B" encoded words
     * (RFC 2047 §5), folded between words, never splitting a character.
     */
    static String encode(String text) {
        if (isAscii(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int start = i;
            int octets = 0;
            while (i < text.length()) {
                int cp = text.codePointAt(i);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (octets + n > WORD_OCTETS) {
                    break;
                }
                octets += n;
                i += Character.charCount(cp);
            }
            if (out.length() > 0) {
                out.append("\r\n ");
            }
            out.append("=?UTF-8?B?")
                .append(Base64.getEncoder().encodeToString(text.substring(start, i).getBytes(StandardCharsets.UTF_8)))
                .append("?=");
        }
        return out.toString();
    }

    /** A display name as an RFC 5322 phrase: a quoted string when ASCII, else encoded words. */
    static String phrase(String name) {
        if (!isAscii(name)) {
            return encode(name);
        }
        return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
