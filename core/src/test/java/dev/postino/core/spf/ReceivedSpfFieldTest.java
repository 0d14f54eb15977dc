package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.postino.core.mime.FieldFolding;
import dev.postino.core.net.IpLiteral;

class ReceivedSpfFieldTest {

    private static String[] lines(String folded) {
        return ("Received-SPF: " + folded).split("\r\n", -1);
    }

    @Test
    void anOrdinaryFieldIsFoldedWithin78Octets() {
        SpfRequest request = SpfRequest.mailFrom(IpLiteral.parse("192.0.2.10"), "bob@example.test", "mail.example.test");
        SpfResult result = new SpfResult(request, SpfVerdict.PASS, "", "example.test", 1, "ip4:192.0.2.0/24",
            "192.0.2.10 matched 'ip4:192.0.2.0/24' in the SPF record of example.test");

        String folded = result.foldedReceivedSpfHeaderValue("mx.postino.test");

        assertThat(folded.replace("\r\n", "")).isEqualTo(result.receivedSpfHeaderValue("mx.postino.test"));
        assertThat(lines(folded)).hasSizeGreaterThan(1)
            .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(FieldFolding.PREFERRED));
    }

    /** The issue saw 1,369-octet lines: every sender value as long and as escape-heavy as it can be. */
    @Test
    void hostileValuesNeverMakeALineOver998Octets() {
        String quotes = "\"\\".repeat(5_000);
        SpfRequest request = SpfRequest.mailFrom(IpLiteral.parse("2001:db8::1"), quotes + "@example.test", quotes);
        SpfResult result = new SpfResult(request, SpfVerdict.PERMERROR, "", "example.test", 1, quotes,
            "()\\".repeat(5_000));

        String unfolded = result.receivedSpfHeaderValue("mx.postino.test");
        String folded = result.foldedReceivedSpfHeaderValue("mx.postino.test");

        assertThat(folded.replace("\r\n", "")).isEqualTo(unfolded);
        assertThat(lines(folded)).allSatisfy(line -> {
            assertThat(line.length()).isLessThanOrEqualTo(FieldFolding.MAX_LINE);
            // a line over 78 is one run without a place to break
            if (line.length() > FieldFolding.PREFERRED) {
                assertThat(line.substring(1).indexOf(' ')).as(line).isEqualTo(-1);
            }
        });
        // each value is cut, and says so
        assertThat(unfolded).contains("...\";").contains("...)");
        assertThat(unfolded.length()).isLessThan(6_000);
    }
}
