package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the macro-string parser and expander (RFC 7208 §7). An input is NUL-separated:
 * the macro-string (ISO-8859-1, as in a TXT record), then optionally the values a sender chooses: the sender
 * domain ({@code %{d} %{o}}), the local-part ({@code %{l}}) and the HELO name ({@code %{h}}); RFC 7208 §7.4's
 * example values fill the rest. Seeds: {@code MacroStringFuzzTestInputs/expand/}.
 *
 * <p>Invariants: only {@link SpfSyntaxException} escapes, with a bounded printable reason; what a domain-spec
 * accepts, an unknown modifier and an explanation accept too; parsing allocates memory linear in the text; a
 * domain-spec expands to a name of at most 253 octets (or a single label the lookup refuses) that is the
 * right-hand end of the expansion. The cost of the expansion itself is {@link MacroExpansionFuzzTest}'s.
 */
class MacroStringFuzzTest {

    @FuzzTest
    void expand(byte[] input) {
        String[] parts = new String(input, StandardCharsets.ISO_8859_1).split("\0", -1);
        String text = parts[0];
        Map<Character, String> values = new HashMap<>(SpfRecordFuzzTest.RFC_VALUES);
        if (parts.length > 1) {
            values.put('d', parts[1]);
            values.put('o', parts[1]);
        }
        if (parts.length > 2) {
            values.put('l', parts[2]);
        }
        values.put('s', values.get('l') + "@" + values.get('o'));
        if (parts.length > 3) {
            values.put('h', parts[3]);
        }

        LinearAllocation.check(input.length, "parsing a macro-string", () -> {
            for (MacroString.Use use : MacroString.Use.values()) {
                try {
                    MacroString.parse(text, use);
                } catch (SpfSyntaxException refused) {
                    // refusing costs the same bound as accepting
                }
            }
        });
        boolean domain = accepts(text, MacroString.Use.DOMAIN);
        boolean modifier = accepts(text, MacroString.Use.MODIFIER);
        boolean explanation = accepts(text, MacroString.Use.EXPLANATION);
        assertThat(!domain || modifier).as("a domain-spec's text is a valid modifier value: '%s'", text).isTrue();
        assertThat(!modifier || explanation).as("a modifier value is a valid explanation: '%s'", text).isTrue();
        if (explanation) {
            expanded(text, MacroString.Use.EXPLANATION, values);
        }

        MacroString spec;
        try {
            spec = MacroString.domainSpec(text);
        } catch (SpfSyntaxException e) {
            SpfRecordFuzzTest.assertPrintableReason(e.getMessage());
            return;
        }
        assertThat(domain).as("a domain-spec parses as a DOMAIN macro-string: '%s'", text).isTrue();
        String name = spec.expandDomain(values::get, MacroString.Meter.NONE);
        assertThat(name.length() <= 253 || name.indexOf('.') < 0)
            .as("'%s' gave a %d-octet name of several labels", text, name.length()).isTrue();
        // the name is the right-hand end of the whole expansion (the explanation form expands it all, up to its cap)
        String whole = expanded(text, MacroString.Use.EXPLANATION, values);
        if (whole.length() < MacroString.MAX_TEXT && name.length() <= 253) {
            String undotted = whole.endsWith(".") ? whole.substring(0, whole.length() - 1) : whole;
            assertThat(undotted.endsWith(name)).as("'%s': the name is what is left of the expansion's right-hand end", text).isTrue();
        }
    }

    private static boolean accepts(String text, MacroString.Use use) {
        try {
            MacroString.parse(text, use);
            return true;
        } catch (SpfSyntaxException e) {
            SpfRecordFuzzTest.assertPrintableReason(e.getMessage());
            return false;
        }
    }

    private static String expanded(String text, MacroString.Use use, Map<Character, String> values) {
        try {
            return MacroString.parse(text, use).expandText(values::get, MacroString.Meter.NONE);
        } catch (SpfSyntaxException e) {
            throw new AssertionError("accepted a moment ago: " + Arrays.toString(text.toCharArray()), e);
        }
    }
}
