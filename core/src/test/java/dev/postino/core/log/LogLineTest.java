package dev.postino.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.postino.core.json.Json;

/** The log line's escaping: whatever a remote party puts in a value, it stays that value, on one line. */
class LogLineTest {

    private static final List<String> HOSTILE = List.of(
        "550 5.1.1 no such user\r\nQ1: to=<x@y> status=sent (ok)",
        "250 ok) status=sent (forged",
        "a=b c=d",
        "<evil>@example.test",
        "back\\slash \\x41 \\u0041",
        "caf\u00e9 \u2028 \u0000 \u007f \t",
        "\"quoted\" (paren) <angle>",
        "trailing\\",
        "",
        "\ud83d\udce8 emoji");

    private static LogLine line(String value) {
        return LogLine.of(value.isEmpty() ? "id" : value).plain("plain", value).address("to", value)
            .remark("reply", value).plain("after", value).build();
    }

    @Test
    void everyHostileValueIsReadBackAsItWasOnOneLine() {
        for (String value : HOSTILE) {
            String text = line(value).keyValue();

            assertThat(text).as(value).doesNotContain("\r", "\n", "\u2028", "\u0000").matches("[\\x20-\\x7e]*");
            Map<String, String> fields = LogLine.parse(text);
            assertThat(fields).as(text).containsExactly(
                Map.entry("id", value.isEmpty() ? "id" : value), Map.entry("plain", value), Map.entry("to", value),
                Map.entry("remark", value), Map.entry("after", value));
        }
    }

    @Test
    void noValueMakesAFieldAGrepWouldFind() {
        for (String value : HOSTILE) {
            String text = LogLine.of("Q1").plain("status", "deferred").remark("reply", value).build().keyValue();

            assertThat(text).as(value).doesNotContain("status=sent").doesNotContain("to=<");
            assertThat(text.split(" status=", -1)).as(text).hasSize(2);
        }
    }

    @Test
    void absentFieldsAreLeftOutAndTheRemarkKeepsItsSpaces() {
        String text = LogLine.of("Q1").address("from", "").plain("orig", null).plain("status", "sent")
            .remark("reply", "250 2.0.0 ok").build().keyValue();

        assertThat(text).isEqualTo("Q1: from=<> status=sent (250 2.0.0 ok)");
    }

    @Test
    void jsonIsOneLineOfStringsWithTheSameValues() {
        for (String value : HOSTILE) {
            String json = line(value).json();

            assertThat(json).as(value).doesNotContain("\r", "\n", "\u2028").matches("[\\x20-\\x7e]*");
            assertThat(Json.read(json)).isEqualTo(Map.of("id", value.isEmpty() ? "id" : value, "plain", value,
                "to", value, "reply", value, "after", value));
        }
    }

    @Test
    void malformedLinesAreRefused() {
        for (String bad : List.of("no id here", "Q1: status", "Q1: to=<open", "Q1: (open", "Q1: a=\\", "Q1: a=1 a=2",
            "Q1: Bad=1", "Q1: a=\\xZZ")) {
            assertThatThrownBy(() -> LogLine.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theFormatIsNamedByAWord() {
        assertThat(LogLine.Format.parse(" JSON ")).isEqualTo(LogLine.Format.JSON);
        assertThat(LogLine.Format.parse("keyvalue")).isEqualTo(LogLine.Format.KEYVALUE);
        assertThatThrownBy(() -> LogLine.Format.parse("xml")).hasMessageContaining("keyvalue or json");
    }
}
