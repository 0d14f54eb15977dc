package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The {@code _mta-sts} record, the policy file and MX patterns, against RFC 8461 sections 3.1, 3.2 and 4.1. */
class StsParsingTest {

    @Test
    void recordOfTheRfc() {
        assertThat(StsRecord.parse("v=STSv1; id=20160831085700Z;")).contains(new StsRecord("20160831085700Z"));
        assertThat(StsRecord.parse("v=STSv1;id=abc")).contains(new StsRecord("abc"));
        assertThat(StsRecord.parse("v=STSv1; id=abc; ext_1=value")).contains(new StsRecord("abc"));
    }

    @Test
    void recordsThatAreNotValid() {
        assertThat(StsRecord.parse("v=STSv1;")).isEmpty(); // no id
        assertThat(StsRecord.parse("v=STSv2; id=abc")).isEmpty();
        assertThat(StsRecord.parse("v=STSv1; id=a-b")).isEmpty(); // id: letters and digits only
        assertThat(StsRecord.parse("v=STSv1; id=" + "a".repeat(33))).isEmpty();
        assertThat(StsRecord.parse("v=STSv1; id=" + "a".repeat(32))).isPresent();
        assertThat(StsRecord.parse("v=STSv1; id=abc; bad")).isEmpty();
        assertThat(StsRecord.parse("v=STSv1; id=abc;; x=1")).isEmpty();
        assertThat(StsRecord.parse(" v=STSv1; id=abc")).isEmpty();
    }

    @Test
    void exactlyOneRecordMustRemain() {
        assertThat(StsRecord.select(List.of("v=spf1 -all", "v=STSv1; id=one"))).contains(new StsRecord("one"));
        assertThat(StsRecord.select(List.of("v=STSv1; id=one", "v=STSv1; id=two"))).isEmpty();
        assertThat(StsRecord.select(List.of("v=STSv1; id=one", "v=STSv1; id=bad-id"))).isEmpty();
        assertThat(StsRecord.select(List.of("something else"))).isEmpty();
    }

    @Test
    void policyOfTheRfc() throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
            + "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertThat(policy.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(policy.mx()).extracting(MxPattern::pattern).containsExactly("mail.example.com", "*.example.net",
            "backupmx.example.com");
        assertThat(policy.lines()).containsExactly("version: STSv1", "mode: enforce", "mx: mail.example.com",
            "mx: *.example.net", "mx: backupmx.example.com", "max_age: 604800");
        assertThat(StsPolicy.parse(policy.text())).isEqualTo(policy);
    }

    @Test
    void policyFieldsFirstWinsExtensionsIgnoredLfAccepted() throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\nmode: testing\nmode: enforce\nx_ext: anything: here\n"
            + "mx: mx.example.com\nmax_age:86400");
        assertThat(policy.mode()).isEqualTo(StsMode.TESTING);
        assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(1));
        assertThat(StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 0\n").mx()).isEmpty();
    }

    @Test
    void maxAgeAboveAYearIsAYear() throws Exception {
        assertThat(StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 9999999999\n").maxAge()).isEqualTo(StsPolicy.MAX_AGE);
        assertThat(StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 31557600\n").maxAge()).isEqualTo(StsPolicy.MAX_AGE);
    }

    @Test
    void invalidPolicies() {
        assertThatThrownBy(() -> StsPolicy.parse("mode: enforce\nmx: a.example\nmax_age: 1\n")).hasMessage("no version");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n"))
            .hasMessageContaining("not STSv1");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n"))
            .hasMessageContaining("not enforce, testing or none");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 1\n")).hasMessageContaining("no mx");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\n")).hasMessage("no max_age");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n"))
            .hasMessageContaining("1 to 10 digits");
        assertThatThrownBy(() -> StsPolicy.parse("version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n"))
            .hasMessageContaining("mx 'a..example'");
        assertThatThrownBy(() -> StsPolicy.parse("<html><body>Not here</body></html>")).hasMessageContaining("line 1");
    }

    @Test
    void wildcardStandsForExactlyOneLabel() {
        MxPattern wildcard = MxPattern.parse("*.example.com").orElseThrow();
        assertThat(wildcard.matches("mx1.example.com")).isTrue();
        assertThat(wildcard.matches("MX1.Example.COM.")).isTrue();
        assertThat(wildcard.matches("example.com")).isFalse();
        assertThat(wildcard.matches("a.b.example.com")).isFalse();
        assertThat(wildcard.matches("mx1.example.com.evil.test")).isFalse();
        assertThat(wildcard.matches("mx1xexample.com")).isFalse();
        MxPattern exact = MxPattern.parse("mail.example.com").orElseThrow();
        assertThat(exact.matches("mail.example.com")).isTrue();
        assertThat(exact.matches("x.mail.example.com")).isFalse();
        assertThat(MxPattern.parse("*.*.example.com")).isEmpty();
        assertThat(MxPattern.parse("mx*.example.com")).isEmpty();
        assertThat(MxPattern.parse("*")).isEmpty();
        assertThat(MxPattern.parse("")).isEmpty();
    }
}
