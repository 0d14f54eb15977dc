package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the DMARC record parser (RFC 9989 §4.7), fed the TXT octets as DNS gives them
 * (ISO-8859-1). Seeds: {@code DmarcRecordFuzzTestInputs/parse/} (RFC 7489 and RFC 9989 examples, common
 * published records, and records a lenient parser must survive).
 *
 * <p>Invariants: nothing throws; a record is recognized exactly when {@link DmarcRecord#isDmarcRecord} says so;
 * whitespace around tags, the case of tag names, specs without '=' and unknown tags never change what a record
 * means; report URIs are non-blank, trimmed and free of separators; memory stays linear in the record's size.
 */
class DmarcRecordFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        LinearAllocation.check(input.length, "DmarcRecord.parse", () -> DmarcRecord.parse(text));
        Optional<DmarcRecord> parsed = DmarcRecord.parse(text);
        assertThat(parsed.isPresent()).isEqualTo(DmarcRecord.isDmarcRecord(text));
        if (parsed.isEmpty()) {
            return;
        }
        DmarcRecord record = parsed.get();
        List<String> uris = new ArrayList<>(record.rua());
        uris.addAll(record.ruf());
        assertThat(uris).allSatisfy(uri -> assertThat(uri).isNotBlank().isEqualTo(uri.strip())
            .doesNotContain(",").doesNotContain(";"));
        assertThat(String.join("", uris).length()).isLessThanOrEqualTo(input.length);

        String normalized = String.join("; ", specs(text, ""));
        assertThat(DmarcRecord.parse(normalized)).as("'%s' normalized to '%s'", text, normalized).contains(record);
        String padded = String.join(";", specs(text, " \t"));
        assertThat(DmarcRecord.parse(padded)).as("'%s' with whitespace around tags", text).contains(record);
        assertThat(DmarcRecord.parse(text + "; x-unknown=1")).as("'%s' with an unknown tag added", text).contains(record);
    }

    /** Each spec as {@code name=value}, name lowercase, both trimmed then padded; specs without '=' left out. */
    private static List<String> specs(String text, String padding) {
        List<String> specs = new ArrayList<>();
        for (String spec : text.split(";")) {
            int eq = spec.indexOf('=');
            if (eq >= 0) {
                specs.add(padding + spec.substring(0, eq).strip().toLowerCase(Locale.ROOT) + padding + "=" + padding
                    + spec.substring(eq + 1).strip() + padding);
            }
        }
        return specs;
    }
}
