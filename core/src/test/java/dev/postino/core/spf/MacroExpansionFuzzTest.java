package dev.postino.core.spf;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;


import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of what a domain-spec costs to expand (RFC 7208 §7.3): expanding it with values a
 * sender chooses and cutting the result to a name must allocate memory linear in the input, whatever the number
 * of macros and the size of the values. Inputs as in {@link MacroStringFuzzTest} (macro-string, then NUL-separated
 * sender domain, local-part, HELO name). Seeds: {@code MacroExpansionFuzzTestInputs/expand/}, among them
 * {@code found-quadratic-cut}: 465 octets that cost 6.5 MB (issue 10, item 8).
 */
class MacroExpansionFuzzTest {

    @FuzzTest
    void expand(byte[] input) {
        String[] parts = new String(input, StandardCharsets.ISO_8859_1).split("\0", -1);
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
        MacroString spec;
        try {
            spec = MacroString.domainSpec(parts[0]);
        } catch (SpfSyntaxException e) {
            return; // MacroStringFuzzTest checks the grammar
        }
        LinearAllocation.check(input.length, "expanding a domain-spec to a name",
            () -> spec.expandDomain(values::get, MacroString.Meter.NONE));
    }
}
