package dev.postino.core.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one-line text form of the delivery records kept on mails: {@code key=value} fields separated by
 * {@code ;}, in a fixed order, e.g. {@code recipient=bob@example.com;result=permanent;code=550}. In values, the
 * octets of {@code %}, {@code ;}, {@code =}, control characters and anything outside printable ASCII are written
 * as {@code %XX} (UTF-8), so a line never holds a line break and any remote reply text survives unchanged.
 * Several records make a text of such lines joined by {@code \n}.
 */
final class FieldLine {

    private FieldLine() {
    }

    /** The line for these fields; a null value leaves its field out. */
    static String format(Map<String, String> fields) {
        StringBuilder line = new StringBuilder();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (field.getValue() == null) {
                continue;
            }
            if (line.length() > 0) {
                line.append(';');
            }
            line.append(field.getKey()).append('=').append(encode(field.getValue()));
        }
        return line.toString();
    }

    /**
     * The fields of one line, in order.
     *
     * @throws IllegalArgumentException when a field has no {@code =} or a {@code %} escape is broken
     */
    static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.strip().split(";")) {
            if (field.isEmpty()) {
                continue;
            }
            int equals = field.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("'" + field + "' is not a field: expected key=value");
            }
            fields.put(field.substring(0, equals), decode(field.substring(equals + 1)));
        }
        return fields;
    }

    /** The records of a text of lines, blank lines ignored, each read from its fields by {@code reader}. */
    static <T> List<T> parseLines(String text, String what, Function<Map<String, String>, T> reader) {
        List<T> records = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(reader.apply(parse(line)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a " + what + ": '" + line + "': " + e.getMessage(), e);
            }
        }
        return records;
    }

    /** The value of {@code key}, which must be there. */
    static String required(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("field '" + key + "' is missing");
        }
        return value;
    }

    private static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x20 || c > 0x7e || c == '%' || c == ';' || c == '=') {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    private static String decode(String value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                int high = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
                int low = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("broken %-escape in '" + value + "'");
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
