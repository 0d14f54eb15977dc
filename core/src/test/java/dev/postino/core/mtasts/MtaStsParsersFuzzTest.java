package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;
import dev.postino.core.tlsrpt.TlsRptRecord;

/**
 * Coverage-guided fuzzing of what MTA-STS and TLS-RPT parse from remote parties: the {@code _mta-sts} record, the
 * policy file (as the fetcher decodes it, UTF-8) and the {@code _smtp._tls} record. Seeds:
 * {@code MtaStsParsersFuzzTestInputs/parse/} (RFC 8461 and RFC 8460 examples and broken variants).
 *
 * <p>Invariants: nothing but {@link InvalidStsPolicyException} is thrown; memory stays linear in the input; a parsed
 * policy serialized by {@link StsPolicy#text} parses to itself; an id is 1 to 32 letters and digits; every MX pattern
 * matches a host made from it; report URIs are mailto or https.
 */
class MtaStsParsersFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        LinearAllocation.check(input.length, "StsRecord.parse", () -> StsRecord.parse(text));
        LinearAllocation.check(input.length, "StsPolicy.parse", () -> StsPolicy.parse(text));
        LinearAllocation.check(input.length, "TlsRptRecord.parse", () -> TlsRptRecord.parse(text));

        StsRecord.parse(text).ifPresent(r -> assertThat(r.id()).matches("[A-Za-z0-9]{1,32}"));
        assertThat(StsRecord.select(List.of(text, text))).isEmpty();
        try {
            StsPolicy policy = StsPolicy.parse(text);
            assertThat(StsPolicy.parse(policy.text())).isEqualTo(policy);
            for (MxPattern pattern : policy.mx()) {
                String host = pattern.pattern().startsWith("*.") ? "x" + pattern.pattern().substring(1) : pattern.pattern();
                assertThat(policy.allows(host)).as(pattern.pattern()).isTrue();
                assertThat(pattern.matches("a." + host)).as(pattern.pattern()).isFalse();
            }
        } catch (InvalidStsPolicyException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
        Optional<TlsRptRecord> record = TlsRptRecord.parse(text);
        record.ifPresent(r -> assertThat(r.rua()).isNotEmpty().allSatisfy(uri ->
            assertThat(uri.getScheme().toLowerCase(java.util.Locale.ROOT)).isIn("mailto", "https")));
    }
}
