package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TagListTest {

    @Test
    void parsesTagsWithFoldingWhitespaceAroundNamesAndValues() throws Exception {
        TagList tags = TagList.parse(" v=1;\r\n\ta = rsa-sha256 ; b=abc\r\n def ;x1 = extra;");
        assertThat(tags.asMap()).containsExactly(
            java.util.Map.entry("v", "1"), java.util.Map.entry("a", "rsa-sha256"),
            java.util.Map.entry("b", "abc\r\n def"), java.util.Map.entry("x1", "extra"));
        assertThat(TagList.withoutFws(tags.get("b"))).isEqualTo("abcdef");
    }

    @Test
    void emptyValuesAndEmptySpecsAreAllowed() throws Exception {
        TagList tags = TagList.parse("p=;; k=rsa");
        assertThat(tags.get("p")).isEmpty();
        assertThat(tags.get("k")).isEqualTo("rsa");
    }

    @Test
    void syntaxErrorsArePermerrorsWithAReason() {
        assertThatThrownBy(() -> TagList.parse("k=rsa; t; p=x")).hasMessageContaining("'t' has no '='");
        assertThatThrownBy(() -> TagList.parse("1a=x")).hasMessageContaining("invalid tag name");
        assertThatThrownBy(() -> TagList.parse("a b=x")).hasMessageContaining("invalid tag name");
        assertThatThrownBy(() -> TagList.parse("a=x; a=y")).hasMessageContaining("twice");
        assertThatThrownBy(() -> TagList.parse("a=x\u0000y")).hasMessageContaining("control character");
        assertThatThrownBy(() -> TagList.parse("\"\"")).isInstanceOf(DkimCheckException.class)
            .satisfies(e -> assertThat(((DkimCheckException) e).verdict()).isEqualTo(DkimVerdict.PERMERROR));
    }

    @Test
    void hugeTagsGiveShortReasons() {
        String huge = "x".repeat(100_000);
        assertThatThrownBy(() -> TagList.parse(huge)).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void signatureBValueIsEmptiedWithItsWhitespace() {
        assertThat(DkimVerifier.withEmptyB("DKIM-Signature: v=1; bh=xyz; b=ab\r\n cd ; d=x"))
            .isEqualTo("DKIM-Signature: v=1; bh=xyz; b=; d=x");
        assertThat(DkimVerifier.withEmptyB("DKIM-Signature: b = ab;bh=c")).isEqualTo("DKIM-Signature: b =;bh=c");
    }

    /** The one-pass, copy-only-when-needed withEmptyB against a literal tag-by-tag rebuild of the field. */
    @Test
    void emptyingBAgreesWithATagByTagReading() {
        java.util.Random random = new java.util.Random(8463);
        String[] parts = {"b", "bh", "b ", " b", "\r\n b", "a", "=", ";", "x", " ", "\t", "\r\n ", "=v", "b=", "bb"};
        for (int n = 0; n < 20_000; n++) {
            StringBuilder raw = new StringBuilder("DKIM-Signature:");
            for (int k = random.nextInt(12); k > 0; k--) {
                raw.append(parts[random.nextInt(parts.length)]);
            }
            String field = raw.toString();
            assertThat(DkimVerifier.withEmptyB(field)).as(field).isEqualTo(tagByTag(field));
        }
        String empty = "DKIM-Signature: v=1; bh=x; b=";
        assertThat(DkimVerifier.withEmptyB(empty)).isSameAs(empty);
    }

    private static String tagByTag(String raw) {
        int colon = raw.indexOf(':');
        StringBuilder out = new StringBuilder(raw.substring(0, colon + 1));
        String[] tags = raw.substring(colon + 1).split(";", -1);
        for (int i = 0; i < tags.length; i++) {
            String tag = tags[i];
            int eq = tag.indexOf('=');
            boolean named = eq >= 0 && tag.substring(0, eq).replaceAll("[ \t\r\n]", "").equals("b");
            out.append(named ? tag.substring(0, eq + 1) : tag);
            if (i + 1 < tags.length) {
                out.append(';');
            }
        }
        return out.toString();
    }
}
