package dev.postino.core.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * One line of a log an administrator greps (Postfix's shape) or a log shipper reads (JSON): an id, then fields in
 * order. In the {@code key=value} form the id comes first ({@code ID: }), a plain value is written without spaces,
 * an address as {@code <...>} and the one {@linkplain Kind#REMARK remark} (a remote reply) in parentheses, without
 * a key. Every value may come from a hostile party, so escaping makes sure no value can end the line, start a
 * field or close its brackets: {@code \\}, {@code \=}, {@code \(}, {@code \)}, {@code \<}, {@code \>}, {@code \"},
 * a space outside the remark as {@code \x20}, any control character as {@code \xHH} and anything not ASCII as
 * {@code \}{@code uHHHH} (UTF-16). The JSON form is one object per line, every value a string, non-ASCII escaped.
 * {@link #parse} reads the {@code key=value} form back. Immutable.
 */
public record LogLine(String id, List<Field> fields) {

    /** How a value is written in the {@code key=value} form. */
    public enum Kind {
        /** {@code key=value} */
        PLAIN,
        /** {@code key=<value>} */
        ADDRESS,
        /** {@code (value)}, spaces kept: at most one per line */
        REMARK
    }

    /** The two forms. */
    public enum Format {
        KEYVALUE, JSON;

        /** {@code keyvalue} or {@code json}, in any case. */
        public static Format parse(String word) {
            return switch (word.trim().toLowerCase(Locale.ROOT)) {
                case "keyvalue" -> KEYVALUE;
                case "json" -> JSON;
                default -> throw new IllegalArgumentException("not a log format (keyvalue or json): " + word);
            };
        }
    }

    /** One field; a null value is left out of the line. */
    public record Field(String key, String value, Kind kind) {
        public Field {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(kind, "kind");
            if (!key.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a field name: " + key);
            }
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    public LogLine {
        Objects.requireNonNull(id, "id");
        fields = List.copyOf(fields);
        if (fields.stream().filter(f -> f.kind() == Kind.REMARK).count() > 1) {
            throw new IllegalArgumentException("a line has one remark at most");
        }
    }

    /** A builder for the fields of one line. */
    public static Builder of(String id) {
        return new Builder(id);
    }

    /** Collects fields in order. */
    public static final class Builder {
        private final String id;
        private final List<Field> fields = new ArrayList<>();

        private Builder(String id) {
            this.id = id;
        }

        public Builder plain(String key, Object value) {
            fields.add(new Field(key, value == null ? null : value.toString(), Kind.PLAIN));
            return this;
        }

        public Builder address(String key, String value) {
            fields.add(new Field(key, value, Kind.ADDRESS));
            return this;
        }

        public Builder remark(String key, String value) {
            fields.add(new Field(key, value, Kind.REMARK));
            return this;
        }

        public LogLine build() {
            return new LogLine(id, fields);
        }
    }

    /** The line in {@code format}. */
    public String format(Format format) {
        return format == Format.JSON ? json() : keyValue();
    }

    /** {@code ID: key=value key=<address> ... (remark) key=value}. */
    public String keyValue() {
        StringBuilder line = new StringBuilder(escape(id, false)).append(':');
        for (Field field : fields) {
            if (field.value() == null) {
                continue;
            }
            line.append(' ');
            switch (field.kind()) {
                case PLAIN -> line.append(field.key()).append('=').append(escape(field.value(), false));
                case ADDRESS -> line.append(field.key()).append("=<").append(escape(field.value(), false)).append('>');
                case REMARK -> line.append('(').append(escape(field.value(), true)).append(')');
            }
        }
        return line.toString();
    }

    /** One JSON object: {@code id} then every field by its key, all strings. */
    public String json() {
        Map<String, String> object = new LinkedHashMap<>();
        object.put("id", id);
        fields.stream().filter(f -> f.value() != null).forEach(f -> object.put(f.key(), f.value()));
        try {
            // DEL is valid JSON, but no terminal or shipper should see it raw; it can only stand inside a string
            return JSON.writeValueAsString(object).replace("\u007f", "\\u007f");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    /** {@code value} with everything that could end the line or a field escaped (see the class). */
    static String escape(String value, boolean remark) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\', '=', '(', ')', '<', '>', '"' -> out.append('\\').append(c);
                case ' ' -> out.append(remark ? " " : "\\x20");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else if (c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * Reads a {@code key=value} line back: {@code id} first, then each key with its unescaped value (an address
     * without its brackets), the remark under {@code remark}. Linear in the line's length.
     *
     * @throws IllegalArgumentException when the line is not in that form
     */
    public static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        int colon = line.indexOf(": ");
        if (colon < 0 && !line.endsWith(":")) {
            throw new IllegalArgumentException("no id: " + line);
        }
        int end = colon < 0 ? line.length() - 1 : colon;
        fields.put("id", unescape(line, 0, end));
        int i = end + 1;
        while (i < line.length()) {
            if (line.charAt(i) != ' ') {
                throw new IllegalArgumentException("expected a space at " + i + ": " + line);
            }
            i++;
            if (i < line.length() && line.charAt(i) == '(') {
                int close = closing(line, i + 1, ')');
                put(fields, "remark", unescape(line, i + 1, close));
                i = close + 1;
                continue;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException("expected key=value at " + i + ": " + line);
            }
            String key = line.substring(i, eq);
            if (!key.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a key at " + i + ": " + line);
            }
            int valueEnd;
            String value;
            if (eq + 1 < line.length() && line.charAt(eq + 1) == '<') {
                valueEnd = closing(line, eq + 2, '>');
                value = unescape(line, eq + 2, valueEnd);
                valueEnd++;
            } else {
                valueEnd = line.indexOf(' ', eq + 1);
                valueEnd = valueEnd < 0 ? line.length() : valueEnd;
                value = unescape(line, eq + 1, valueEnd);
            }
            put(fields, key, value);
            i = valueEnd;
        }
        return fields;
    }

    private static void put(Map<String, String> fields, String key, String value) {
        if (fields.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("field " + key + " twice");
        }
    }

    /** The index of the first unescaped {@code close} from {@code from}. */
    private static int closing(String line, int from, char close) {
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == close) {
                return i;
            }
        }
        throw new IllegalArgumentException("no closing " + close + ": " + line);
    }

    private static String unescape(String line, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = line.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i + 1 >= to) {
                throw new IllegalArgumentException("a lone backslash at " + i + ": " + line);
            }
            char next = line.charAt(++i);
            if (next == 'x' && i + 2 < to) {
                out.append((char) Integer.parseInt(line.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (next == 'u' && i + 4 < to) {
                out.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
                i += 4;
            } else {
                out.append(next);
            }
        }
        return out.toString();
    }
}
