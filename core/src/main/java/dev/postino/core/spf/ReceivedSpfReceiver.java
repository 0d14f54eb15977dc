package dev.postino.core.spf;

/**
 * Which receiver a {@code Received-SPF} field (RFC 7208 §9.1) claims to come from. A receiver adds its own field
 * after removing the ones that name it, so a field above ours that names us can only be forged: a sender's
 * {@code Received-SPF: pass (mx.example.com: ...)} must not reach the reader as our verdict.
 */
public final class ReceivedSpfReceiver {

    /** Longer than any host name: reading stops there, so each look costs at most this much. */
    private static final int MAX_NAME = 255;
    private static final String KEY = "receiver";

    private ReceivedSpfReceiver() {
    }

    /**
     * Whether {@code fieldValue} names {@code receiver} as the host that wrote it: as the first word of its first
     * comment (the form RFC 7208 §9.1 shows, {@code pass (mx.example.com: domain of ...)}) or as the value of any
     * {@code receiver=} key. Host names compare without regard to ASCII case or a final dot. The reading is lenient
     * on purpose (any comment position, every {@code receiver=}), since removing one field too many costs nothing
     * and missing a forgery misleads the reader; it is linear in the length of the field.
     */
    public static boolean claims(String fieldValue, String receiver) {
        String wanted = hostName(receiver);
        if (wanted.isEmpty()) {
            return false;
        }
        String text = asciiLowerCase(fieldValue);
        int comment = text.indexOf('(');
        if (comment >= 0 && hostName(word(text, skipBlanks(text, comment + 1), " \t\r\n:;()\"\\")).equals(wanted)) {
            return true;
        }
        for (int at = text.indexOf(KEY); at >= 0; at = text.indexOf(KEY, at + 1)) {
            if (at > 0 && isKeyChar(text.charAt(at - 1))) {
                continue; // part of another key, e.g. x-receiver=
            }
            int i = skipBlanks(text, at + KEY.length());
            if (i >= text.length() || text.charAt(i) != '=') {
                continue;
            }
            i = skipBlanks(text, i + 1);
            String value = i < text.length() && text.charAt(i) == '"'
                ? word(text, i + 1, "\"\\") : word(text, i, " \t\r\n;()\"");
            if (hostName(value).equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.';
    }

    private static int skipBlanks(String text, int start) {
        int i = start;
        while (i < text.length() && " \t\r\n".indexOf(text.charAt(i)) >= 0) {
            i++;
        }
        return i;
    }

    /** The characters from {@code start} up to one of {@code stops}, at most {@link #MAX_NAME} of them. */
    private static String word(String text, int start, String stops) {
        int end = start;
        while (end < text.length() && end - start <= MAX_NAME && stops.indexOf(text.charAt(end)) < 0) {
            end++;
        }
        return start >= text.length() ? "" : text.substring(start, end);
    }

    private static String hostName(String name) {
        String lower = asciiLowerCase(name.trim());
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Lower case for A-Z only: the same length as the input, whatever other characters it holds. */
    private static String asciiLowerCase(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }
}
