package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacroStringTest {

    /** The values of RFC 7208 §7.4's examples: sender strong-bad@email.example.com. */
    private static MacroString.Values rfcExample(String ip) {
        InetAddress address = IpLiteral.parse(ip);
        Map<Character, String> values = Map.of('s', "strong-bad@email.example.com", 'l', "strong-bad",
            'o', "email.example.com", 'd', "email.example.com", 'i', IpLiteral.dotted(address),
            'v', IpLiteral.isIpv4(address) ? "in-addr" : "ip6");
        return values::get;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{s}|strong-bad@email.example.com",
        "%{o}|email.example.com",
        "%{d}|email.example.com",
        "%{d4}|email.example.com",
        "%{d3}|email.example.com",
        "%{d2}|example.com",
        "%{d1}|com",
        "%{dr}|com.example.email",
        "%{d2r}|example.email",
        "%{l}|strong-bad",
        "%{l-}|strong.bad",
        "%{lr}|strong-bad",
        "%{lr-}|bad.strong",
        "%{l1r-}|strong",
        "%{ir}.%{v}._spf.%{d2}|3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}|bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}|bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}|3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net|example.com.trusted-domains.example.net",
    })
    void expandsTheExamplesOfRfc7208(String macro, String expected) throws Exception {
        assertThat(MacroString.domainSpec(macro).expandDomain(rfcExample("192.0.2.3"), MacroString.Meter.NONE)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{ir}.%{v}._spf.%{d2}|1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
    })
    void expandsTheIpv6ExampleOfRfc7208(String macro, String expected) throws Exception {
        assertThat(MacroString.domainSpec(macro).expandDomain(rfcExample("2001:db8::cb01"), MacroString.Meter.NONE)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%%|%",
        "%_|' '",
        "%-|%20",
        "%{L}|strong-bad",
        "%{S}|strong-bad%40email.example.com",
    })
    void expandsEscapesAndUrlEncodesUpperCaseMacros(String macro, String expected) throws Exception {
        assertThat(MacroString.parse(macro, MacroString.Use.EXPLANATION).expandText(rfcExample("192.0.2.3"), MacroString.Meter.NONE)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%x", "%{", "%{}", "%{q}", "%{d0}", "%{dx}", "%{d2r2}", "%{c}.example.com",
        "%{r}.example.com", "%{t}.example.com", "museum", "museum.", "example.-com", "foo.123", "", "a b.example.com"})
    void refusesWhatIsNotADomainSpec(String text) {
        assertThatThrownBy(() -> MacroString.domainSpec(text)).isInstanceOf(SpfSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%{c} %{r} %{t}", "Sorry, %{i} is not allowed.", ""})
    void explanationTextAllowsSpacesAndTheExplanationOnlyLetters(String text) throws Exception {
        assertThat(MacroString.parse(text, MacroString.Use.EXPLANATION).text()).isEqualTo(text);
    }
}
