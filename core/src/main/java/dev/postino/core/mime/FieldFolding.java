package dev.postino.core.mime;

/**
 * Folds a header field value that this server writes (RFC 5322 §2.2.3): CRLF is put before existing spaces
 * so that lines stay within {@value #PREFERRED} octets where the value allows it (RFC 5322 §2.1.1's SHOULD).
 * Nothing is added or removed: unfolding gives the value back. A space escaped by a backslash (a quoted-pair)
 * is never a break, nor is any but the last of a run of spaces. The value must hold no CR or LF, and the caller bounds its runs without spaces (e.g. its
 * quoted values) so that no line passes {@value #MAX_LINE} octets, the limit of RFC 5322 §2.1.1.
 */
public final class FieldFolding {

    /** The line length RFC 5322 §2.1.1 recommends, CRLF not counted. */
    public static final int PREFERRED = 78;
    /** The line length RFC 5322 §2.1.1 requires, CRLF not counted. */
    public static final int MAX_LINE = 998;

    private FieldFolding() {
    }

    /**
     * The value folded for a field named {@code name}: the first line also holds {@code name: }. Breaks at the
     * last space that keeps the line within {@link #PREFERRED}; a run longer than that gets a line of its own.
     */
    public static String fold(String name, String value) {
        StringBuilder out = new StringBuilder(value.length() + value.length() / 32);
        int line = name.length() + 2;
        int segment = 0;
        for (int i = 1; i <= value.length(); i++) {
            if (i < value.length() && !isBreak(value, i)) {
                continue;
            }
            // value[segment, i) is a space (but for the first) and the text up to the next break
            int length = i - segment;
            if (segment > 0 && line + length > PREFERRED) {
                out.append("\r\n");
                line = 0;
            }
            out.append(value, segment, i);
            line += length;
            segment = i;
        }
        return out.toString();
    }

    /**
     * Whether a line may end before {@code value[i]}: the last space or tab of a run (so no line is only white
     * space), followed by text, and not escaped by an odd run of backslashes.
     */
    private static boolean isBreak(String value, int i) {
        if (!isSpace(value.charAt(i)) || i + 1 >= value.length() || isSpace(value.charAt(i + 1))) {
            return false;
        }
        int backslashes = 0;
        for (int j = i - 1; j >= 0 && value.charAt(j) == '\\'; j--) {
            backslashes++;
        }
        return backslashes % 2 == 0;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
