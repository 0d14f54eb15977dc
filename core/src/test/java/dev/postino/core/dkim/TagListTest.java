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
}
