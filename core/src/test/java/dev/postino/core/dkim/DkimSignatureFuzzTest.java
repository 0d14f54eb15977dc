package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the DKIM tag=value list (RFC 6376 §3.2) and the DKIM-Signature on top of it
 * (§3.5), fed a field value as the header reader gives it (octets as ISO-8859-1, folding kept). Seeds:
 * {@code DkimSignatureFuzzTestInputs/parse/} (the signatures of the Mail::DKIM corpus and RFC 6376/8463).
 *
 * <p>Invariants: only a permerror {@link DkimCheckException} escapes, its reason short whatever the input; a
 * tag list is a fixed point (written back as {@code name=value;} with any folding whitespace around the parts,
 * it parses to the same tags in the same order); a parsed signature holds what the verifier relies on (valid
 * d= and s=, lowercase h= names, an i= with '@', decoded b= and bh= no larger than their text) and parses the
 * same from its own tags; memory stays linear in the value's size.
 */
class DkimSignatureFuzzTest {

    /** A reason goes into Authentication-Results: its size must not follow the input's. */
    static final int MAX_REASON = 400;

    @FuzzTest
    void parse(byte[] input) {
        String value = new String(input, StandardCharsets.ISO_8859_1);
        LinearAllocation.check(input.length, "parsing a DKIM-Signature", () -> DkimSignature.parse(TagList.parse(value)));
        TagList tags;
        try {
            tags = TagList.parse(value);
        } catch (DkimCheckException e) {
            assertPermerror(e);
            return;
        }
        assertFixedPoint(tags);

        DkimSignature signature;
        try {
            signature = DkimSignature.parse(tags);
        } catch (DkimCheckException e) {
            assertPermerror(e);
            return;
        }
        assertThat(DkimSignature.isDomainName(signature.domain())).isTrue();
        assertThat(signature.domain()).isLowerCase();
        assertThat(DkimSignature.isDomainName(signature.selector())).isTrue();
        assertThat(signature.keyName()).hasSizeLessThanOrEqualTo(253 + "._domainkey.".length() + 253);
        assertThat(signature.signedHeaders()).isNotEmpty().allSatisfy(name -> {
            assertThat(name).isNotEmpty().isEqualTo(TagList.withoutFws(name)).doesNotContain(":");
            assertThat(name).isEqualTo(name.toLowerCase(java.util.Locale.ROOT));
        });
        assertThat(signature.identity()).contains("@");
        assertThat(signature.signature()).isNotEmpty().hasSizeLessThanOrEqualTo(input.length * 3 / 4 + 3);
        assertThat(signature.bodyHash()).isNotEmpty().hasSizeLessThanOrEqualTo(input.length * 3 / 4 + 3);
        assertThat(signature.signatureBase64()).isEqualTo(TagList.withoutFws(tags.get("b")));
        assertThat(signature.bodyLength()).isGreaterThanOrEqualTo(-1);
        assertThat(signature.timestamp()).isGreaterThanOrEqualTo(-1);
        assertThat(signature.expiration()).isGreaterThanOrEqualTo(-1);

        DkimSignature again;
        try {
            again = DkimSignature.parse(TagList.parse(written(tags, "", "")));
        } catch (DkimCheckException e) {
            throw new AssertionError("the signature's own tags, written back, do not parse: " + e.getMessage(), e);
        }
        assertThat(again).usingRecursiveComparison().isEqualTo(signature);
    }

    static void assertPermerror(DkimCheckException e) {
        assertThat(e.verdict()).isEqualTo(DkimVerdict.PERMERROR);
        assertThat(e.getMessage()).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_REASON);
    }

    /** Written back, with or without folding whitespace around names, values and semicolons, the same tags. */
    static void assertFixedPoint(TagList tags) {
        for (Map.Entry<String, String> tag : tags.asMap().entrySet()) {
            String name = tag.getKey();
            String value = tag.getValue();
            assertThat(name).matches("[A-Za-z][A-Za-z0-9_]*");
            assertThat(value).doesNotContain(";");
            if (!value.isEmpty()) {
                assertThat(TagList.isFws(value.charAt(0)) || TagList.isFws(value.charAt(value.length() - 1)))
                    .as("value of %s= keeps outer whitespace: '%s'", name, value).isFalse();
            }
        }
        for (String fws : new String[] {"", " ", "\r\n\t"}) {
            String text = written(tags, fws, fws);
            try {
                assertThat(TagList.parse(text).asMap()).as("'%s' parsed again", text)
                    .containsExactlyEntriesOf(tags.asMap());
            } catch (DkimCheckException e) {
                throw new AssertionError("tags written back as '" + text + "' do not parse: " + e.getMessage(), e);
            }
        }
    }

    private static String written(TagList tags, String around, String afterSemicolon) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> tag : tags.asMap().entrySet()) {
            out.append(around).append(tag.getKey()).append(around).append('=').append(around).append(tag.getValue())
                .append(around).append(';').append(afterSemicolon);
        }
        return out.toString();
    }
}
