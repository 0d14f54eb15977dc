package dev.postino.core.json;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON Postino writes and reads (mail attributes, evaluation logs, the command's {@code --json} output), through
 * the Jackson that James ships: values are {@code Map}, {@code List}, {@code String}, numbers, booleans and null.
 * Malformed input is an {@link IllegalArgumentException}, never anything else.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    private static final ObjectWriter SPACED = MAPPER.writer(new SpacedPrinter());

    private Json() {
    }

    /** Reads one JSON value into maps, lists, strings, numbers, booleans and null; nothing may follow it. */
    public static Object read(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no JSON text");
        }
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The compact form. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** As {@link #write(Object)}, with a space after each comma and colon, for people to read. */
    public static String writeSpaced(Object value) {
        try {
            return SPACED.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** One line, a space after {@code ,} and {@code :}. */
    private static final class SpacedPrinter extends MinimalPrettyPrinter {

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
