package dev.postino.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XtextTest {

    @Test
    void encodesPlusEqualsSpaceControlsAndNonAscii() {
        assertThat(Xtext.encode("a b+c=d\r\n\u00e9")).isEqualTo("a+20b+2Bc+3Dd+0D+0A+C3+A9");
        assertThat(Xtext.encode("plain-text!~")).isEqualTo("plain-text!~");
    }

    @Test
    void decodesWhatItEncodes() {
        for (String value : new String[] {"a b+c=d", "id\r\nQUIT", "jos\u00e9", "", "+"}) {
            assertThat(Xtext.decode(Xtext.encode(value))).isEqualTo(value);
        }
        assertThat(Xtext.decode("a+2Bb+0d")).isEqualTo("a+b\r");
    }

    @Test
    void aPlusWithoutTwoHexDigitsStaysAsItIs() {
        assertThat(Xtext.decode("a+G1b+")).isEqualTo("a+G1b+");
        assertThat(Xtext.decode("x+4")).isEqualTo("x+4");
    }
}
