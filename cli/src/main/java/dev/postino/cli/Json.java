package dev.postino.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The command's {@code --json} output: objects, arrays, strings, numbers, booleans, a space after , and :. */
final class Json {

    private Json() {
    }

    /** An ordered JSON object: keys come out in the order they were put. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    static String write(Object value) {
        return dev.postino.core.json.Json.writeSpaced(value);
    }
}
