package dev.postino.core.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class FieldFoldingTest {

    /** Every line, the first with its "Name: ", and what a reader gets back when it unfolds. */
    private static String[] lines(String name, String folded) {
        return (name + ": " + folded).split("\r\n", -1);
    }

    @Test
    void aShortValueStaysOnOneLine() {
        assertThat(FieldFolding.fold("Received-SPF", "pass (mx: ok) client-ip=\"192.0.2.1\";"))
            .isEqualTo("pass (mx: ok) client-ip=\"192.0.2.1\";");
    }

    @Test
    void breaksBeforeTheLastSpaceThatKeeps78Octets() {
        String value = "word ".repeat(40).trim();

        String folded = FieldFolding.fold("Received-SPF", value);

        assertThat(folded.replace("\r\n", "")).isEqualTo(value);
        for (String line : lines("Received-SPF", folded)) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(FieldFolding.PREFERRED);
        }
        // no line could have taken the next word
        String[] lines = lines("Received-SPF", folded);
        for (int i = 0; i < lines.length - 1; i++) {
            assertThat(lines[i].length() + " word".length()).isGreaterThan(FieldFolding.PREFERRED);
        }
    }

    @Test
    void neverBreaksAnEscapedSpaceAndLeavesNoLineOfOnlySpace() {
        String value = ("x\\ y" + "\\\\ z" + "   w ").repeat(30);

        String folded = FieldFolding.fold("X", value);

        assertThat(folded.replace("\r\n", "")).isEqualTo(value);
        for (String line : lines("X", folded)) {
            assertThat(line.isBlank()).isFalse();
        }
        assertThat(folded).contains("\r\n").doesNotContain("x\\\r\n").doesNotContain("\r\n  ");
    }

    @Test
    void aLongRunWithoutSpaceGetsALineOfItsOwn() {
        String run = "r".repeat(500);
        String folded = FieldFolding.fold("X", "a " + run + " b");

        assertThat(folded).isEqualTo("a\r\n " + run + "\r\n b");
    }

    @Test
    void randomValuesUnfoldToThemselves() {
        Random random = new Random(5322);
        String alphabet = "ab \\\"();=\t";
        for (int i = 0; i < 2_000; i++) {
            StringBuilder value = new StringBuilder();
            for (int j = random.nextInt(300); j > 0; j--) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String folded = FieldFolding.fold("Received-SPF", value.toString());
            assertThat(folded.replace("\r\n", "")).isEqualTo(value.toString());
            if (!value.toString().isBlank()) {
                for (String line : folded.split("\r\n", -1)) {
                    assertThat(line.isBlank()).as("'%s'", value).isFalse();
                }
            }
            if (value.length() > 0) {
                assertThat(folded.split("\r\n", -1)).allSatisfy(line -> assertThat(line).isNotEmpty());
            }
        }
    }
}
