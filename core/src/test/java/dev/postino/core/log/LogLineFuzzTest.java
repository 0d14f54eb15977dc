package dev.postino.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the log line's escaping: any values (a remote reply, a HELO name, an address) give one
 * printable ASCII line that {@link LogLine#parse} reads back to exactly those values, and any text given to the parser
 * is read or refused with an {@link IllegalArgumentException}, nothing else. Seeds: {@code LogLineFuzzTestInputs/}.
 */
class LogLineFuzzTest {

    @FuzzTest
    void valuesRoundTrip(FuzzedDataProvider data) {
        String id = data.consumeString(40);
        String plain = data.consumeString(200);
        String address = data.consumeString(200);
        String remark = data.consumeString(400);
        String last = data.consumeRemainingAsString();
        LogLine line = LogLine.of(id.isEmpty() ? "id" : id).plain("plain", plain).address("to", address)
            .remark("reply", remark).plain("after", last).build();

        String text = line.keyValue();

        assertThat(text).matches("[\\x20-\\x7e]*");
        assertThat(LogLine.parse(text)).containsExactly(Map.entry("id", id.isEmpty() ? "id" : id),
            Map.entry("plain", plain), Map.entry("to", address), Map.entry("remark", remark), Map.entry("after", last));
    }

    @FuzzTest
    void parseReadsOrRefuses(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            LogLine.parse(text);
        } catch (IllegalArgumentException refused) {
            // the only way to say no
        }
    }
}
