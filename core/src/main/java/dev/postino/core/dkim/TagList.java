package dev.postino.core.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed DKIM tag=value list (RFC 6376 §3.2), the syntax of both DKIM-Signature fields and key records.
 * Tag names are case-sensitive; values keep their inner folding whitespace and lose the outer one.
 */
public final class TagList {

    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * Parses {@code text}; empty specs between semicolons and a trailing semicolon are tolerated.
     *
     * @throws DkimCheckException (permerror) naming the first syntax error: a spec without '=', an invalid tag
     *                            name, a control character in a value, a repeated tag
     */
    static TagList parse(String text) throws DkimCheckException {
        Map<String, String> tags = new LinkedHashMap<>();
        int start = 0;
        int length = text.length();
        while (start <= length) {
            int end = text.indexOf(';', start);
            if (end < 0) {
                end = length;
            }
            parseSpec(text, start, end, tags);
            start = end + 1;
        }
        return new TagList(tags);
    }

    private static void parseSpec(String text, int start, int end, Map<String, String> tags) throws DkimCheckException {
        int from = skipFws(text, start, end);
        if (from == end) {
            return;
        }
        int eq = text.indexOf('=', from);
        if (eq < 0 || eq >= end) {
            throw DkimCheckException.permerror("tag list syntax: '" + excerpt(text, from, end) + "' has no '='");
        }
        int nameEnd = eq;
        while (nameEnd > from && isFws(text.charAt(nameEnd - 1))) {
            nameEnd--;
        }
        String name = text.substring(from, nameEnd);
        if (!isTagName(name)) {
            throw DkimCheckException.permerror("tag list syntax: invalid tag name '" + excerpt(name, 0, name.length()) + "'");
        }
        int valueStart = skipFws(text, eq + 1, end);
        int valueEnd = end;
        while (valueEnd > valueStart && isFws(text.charAt(valueEnd - 1))) {
            valueEnd--;
        }
        for (int i = valueStart; i < valueEnd; i++) {
            char c = text.charAt(i);
            if ((c < 0x21 && !isFws(c)) || c == 0x7F) {
                throw DkimCheckException.permerror("tag list syntax: control character in the value of " + shown(name) + "=");
            }
        }
        if (tags.putIfAbsent(name, text.substring(valueStart, valueEnd)) != null) {
            throw DkimCheckException.permerror("tag list syntax: tag " + shown(name) + "= appears twice");
        }
    }

    /** ALPHA *(ALPHA / DIGIT / "_"). */
    private static boolean isTagName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static int skipFws(String text, int from, int end) {
        while (from < end && isFws(text.charAt(from))) {
            from++;
        }
        return from;
    }

    /** A tag value as quoted in a reason: at most 40 characters, so a huge tag does not make a huge reason. */
    static String shown(String value) {
        return excerpt(value, 0, value.length());
    }

    /** At most 40 characters of the offending text. */
    private static String excerpt(String text, int from, int end) {
        String part = text.substring(from, Math.min(end, from + 40));
        return end - from > 40 ? part + "..." : part;
    }

    /** The value of {@code name}, or null when the tag is absent. */
    public String get(String name) {
        return tags.get(name);
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** All tags in the order written. */
    public Map<String, String> asMap() {
        return tags;
    }

    /** The value with all folding whitespace removed (for base64 tags such as b=, bh= and p=). */
    static String withoutFws(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isFws(c)) {
                if (out == null) {
                    out = new StringBuilder(value.length()).append(value, 0, i);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? value : out.toString();
    }

    @Override
    public String toString() {
        return tags.toString();
    }
}
