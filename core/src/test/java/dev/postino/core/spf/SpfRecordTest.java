package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpfRecordTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "v=spf1 ip4:1.2.3 -all|ip4:1.2.3",
        "v=spf1 a/33 -all|a/33",
        "v=spf1 mx//129|mx//129",
        "v=spf1 -all.|-all.",
        "v=spf1 ptr/0|ptr/0",
        "v=spf1 include|include",
        "v=spf1 exists:%{q}.example.com|exists:%{q}.example.com",
        "v=spf1 redirect:example.com|redirect:example.com",
        "v=spf1 foo=%x|foo=%x",
        "v=spf1 1up=foo|1up=foo",
        "v=spf1 a:museum|a:museum",
        "v=spf1 ip6::CAFE::BABE|ip6::CAFE::BABE",
        "v=spf1 exp=|exp=",
        "v=spf1 ?all redirect=|redirect=",
        "v=spf1 ip4:192.0.2.5\u000b ~all|ip4:192.0.2.5\\x0B",
    })
    void aSyntaxErrorNamesTheBadTerm(String record, String term) {
        assertThatThrownBy(() -> SpfRecord.parse(record)).isInstanceOf(SpfSyntaxException.class).hasMessageContaining(term);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1 exp=a.example.com exp=b.example.com", "v=spf1 redirect=a.example.com redirect=b.example.com"})
    void eachModifierAtMostOnce(String record) {
        assertThatThrownBy(() -> SpfRecord.parse(record)).isInstanceOf(SpfSyntaxException.class).hasMessageContaining("more than one");
    }

    @Test
    void readsEveryMechanismAndModifier() throws Exception {
        SpfRecord record = SpfRecord.parse("V=SPF1  +a -mx:%{d}/24//64 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 "
            + "include:_spf.example.com exists:%{ir}.x.example.com ALL redirect=example.net exp=why.%{d} future=%{h} ");

        assertThat(record.directives()).extracting(d -> d.mechanism().getClass().getSimpleName())
            .containsExactly("A", "Mx", "Ptr", "Ip", "Ip", "Include", "Exists", "All");
        assertThat(record.directives()).extracting(SpfRecord.Directive::qualifier).containsExactly(
            SpfRecord.Qualifier.PASS, SpfRecord.Qualifier.FAIL, SpfRecord.Qualifier.SOFTFAIL, SpfRecord.Qualifier.NEUTRAL,
            SpfRecord.Qualifier.PASS, SpfRecord.Qualifier.PASS, SpfRecord.Qualifier.PASS, SpfRecord.Qualifier.PASS);
        SpfRecord.Mx mx = (SpfRecord.Mx) record.directives().get(1).mechanism();
        assertThat(new int[] {mx.cidr4(), mx.cidr6()}).containsExactly(24, 64);
        assertThat(record.redirect().text()).isEqualTo("example.net");
        assertThat(record.explanation().text()).isEqualTo("why.%{d}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1", "v=spf1 ", "v=spf1 -all", "V=Spf1 ~all"})
    void recognizesSpfRecords(String txt) {
        assertThat(SpfRecord.isSpfRecord(txt)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf10", "v=spf1mx", "spf1", "v=spf2.0/pra", ""})
    void recognizesOtherTxtRecords(String txt) {
        assertThat(SpfRecord.isSpfRecord(txt)).isFalse();
    }

    /** A bounded fuzz: random records from SPF's alphabet and some bytes beyond it only ever parse or fail to. */
    @Test
    void garbageRecordsParseOrFailWithASyntaxErrorOnly() {
        String[] pieces = {"v=spf1", " ", "  ", "a", "mx", "ptr", "ip4:", "ip6:", "include:", "exists:", "all", "redirect=",
            "exp=", "%{", "}", "%", "%%", "%_", "%-", "d", "i", "r", "2", "-", "+", "~", "?", "/", "//", ":", ".", "=", "0",
            "33", "129", "1.2.3.4", "::", "example.com", "\u0000", "\u00ff", "\r\n", "\t", "\u2028", "\uffff", "{", "x"};
        Random random = new Random(7208);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder record = new StringBuilder(random.nextBoolean() ? "v=spf1 " : "");
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                record.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = record.toString();
            assertThatCode(() -> {
                try {
                    SpfRecord.parse(text);
                } catch (SpfSyntaxException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }).as(text).doesNotThrowAnyException();
        }
    }
}
