package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the DKIM key record parser (RFC 6376 §3.6.1), fed the TXT octets as DNS gives them
 * (ISO-8859-1). Seeds: {@code DkimKeyRecordFuzzTestInputs/parse/} (the keys of the Mail::DKIM corpus's fake DNS
 * and of RFC 6376/8463).
 *
 * <p>Invariants: only a permerror {@link DkimCheckException} escapes, its reason short whatever the record; the
 * tag list underneath is a fixed point; k=, h= and s= come out lowercase without whitespace; p= decodes to no
 * more octets than its text allows, and an empty p= (revoked) is exactly an empty key; written back from its
 * parts, a record parses to the same parts; memory stays linear in the record's size.
 */
class DkimKeyRecordFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        LinearAllocation.check(input.length, "parsing a DKIM key record", () -> DkimKeyRecord.parse(text));
        DkimKeyRecord key;
        try {
            key = DkimKeyRecord.parse(text);
        } catch (DkimCheckException e) {
            DkimSignatureFuzzTest.assertPermerror(e);
            return;
        }
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (DkimCheckException e) {
            throw new AssertionError("the key record parsed but its tag list does not", e);
        }
        DkimSignatureFuzzTest.assertFixedPoint(tags);

        assertThat(key.keyType()).isEqualTo(key.keyType().toLowerCase(Locale.ROOT));
        List<String> words = new ArrayList<>(key.hashes());
        words.addAll(key.services());
        assertThat(words).allSatisfy(word -> assertThat(word).isEqualTo(TagList.withoutFws(word).toLowerCase(Locale.ROOT))
            .doesNotContain(":"));
        assertThat(key.publicKey()).hasSizeLessThanOrEqualTo(input.length * 3 / 4 + 3);
        assertThat(key.isRevoked()).isEqualTo(TagList.withoutFws(tags.get("p")).isEmpty());

        String written = "v=DKIM1; k=" + key.keyType() + (tags.has("h") ? "; h=" + String.join(":", key.hashes()) : "")
            + "; s=" + String.join(":", key.services()) + "; t=" + (key.testing() ? "y" : "") + ":"
            + (key.strictDomain() ? "s" : "") + "; p=" + Base64.getEncoder().encodeToString(key.publicKey());
        DkimKeyRecord again;
        try {
            again = DkimKeyRecord.parse(written);
        } catch (DkimCheckException e) {
            throw new AssertionError("'" + text + "' written back as '" + written + "' does not parse: " + e.getMessage(), e);
        }
        assertThat(again).usingRecursiveComparison().isEqualTo(key);
    }
}
