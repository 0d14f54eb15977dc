package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the SPF record parser, fed the TXT octets as DNS gives them (ISO-8859-1). Seeds:
 * {@code SpfRecordFuzzTestInputs/parse/} (records of the openspf suites and RFC 7208).
 *
 * <p>Invariants: only {@link SpfSyntaxException} escapes, with a short printable reason (it ends up in
 * Received-SPF); a parsed record is a fixed point (written back from its parts, it parses to the same parts);
 * every term it keeps is a term of the input; every domain-spec, expanded with the RFC's example values, gives a
 * name of at most 253 octets (or one label that the lookup refuses); memory stays linear in the record's size.
 */
class SpfRecordFuzzTest {

    /** RFC 7208 §7.4's example values for every macro letter. */
    static final Map<Character, String> RFC_VALUES = Map.ofEntries(Map.entry('s', "strong-bad@email.example.com"),
        Map.entry('l', "strong-bad"), Map.entry('o', "email.example.com"), Map.entry('d', "email.example.com"),
        Map.entry('i', "192.0.2.3"), Map.entry('p', "mx.example.org"), Map.entry('v', "in-addr"),
        Map.entry('h', "mx.example.org"), Map.entry('c', "192.0.2.3"), Map.entry('r', "mx.example.net"),
        Map.entry('t', "1767225600"));

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        LinearAllocation.check(input.length, "SpfRecord.parse", () -> SpfRecord.parse(text));
        SpfRecord record;
        try {
            record = SpfRecord.parse(text);
        } catch (SpfSyntaxException e) {
            assertPrintableReason(e.getMessage());
            return;
        }

        assertThat(SpfRecord.isSpfRecord(text)).isTrue();
        List<String> terms = Arrays.asList(text.substring(6).split(" "));
        for (SpfRecord.Directive directive : record.directives()) {
            assertThat(terms).contains(directive.term());
        }
        String written = write(record);
        SpfRecord again;
        try {
            again = SpfRecord.parse(written);
        } catch (SpfSyntaxException e) {
            throw new AssertionError("'" + text + "' parsed, but written back as '" + written + "' it does not: "
                + e.getMessage(), e);
        }
        assertThat(write(again)).as("'%s' written back", text).isEqualTo(written);

        for (MacroString domainSpec : domainSpecs(record)) {
            String name = domainSpec.expandDomain(RFC_VALUES::get, MacroString.Meter.NONE);
            assertThat(name.length() <= 253 || name.indexOf('.') < 0)
                .as("'%s' expanded to a %d-octet name of several labels", domainSpec, name.length()).isTrue();
        }
    }

    /**
     * A reason goes into Received-SPF and logs: printable ASCII, and bounded whatever the record's size (each
     * quoted excerpt is cut at 200 characters, up to four octets each once escaped, and a reason quotes up to three).
     */
    static void assertPrintableReason(String reason) {
        assertThat(reason).isNotEmpty().hasSizeLessThanOrEqualTo(4096);
        assertThat(reason.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("printable reason: %s", reason).isTrue();
    }

    /** The record written back from its parsed parts, every default spelled out the same way. */
    static String write(SpfRecord record) {
        StringBuilder out = new StringBuilder("v=spf1");
        for (SpfRecord.Directive directive : record.directives()) {
            out.append(' ').append(directive.qualifier().symbol);
            SpfRecord.Mechanism mechanism = directive.mechanism();
            if (mechanism instanceof SpfRecord.All) {
                out.append("all");
            } else if (mechanism instanceof SpfRecord.Include include) {
                out.append("include:").append(include.domain().text());
            } else if (mechanism instanceof SpfRecord.Exists exists) {
                out.append("exists:").append(exists.domain().text());
            } else if (mechanism instanceof SpfRecord.Ptr ptr) {
                out.append("ptr").append(ptr.domain() == null ? "" : ":" + ptr.domain().text());
            } else if (mechanism instanceof SpfRecord.A a) {
                out.append("a").append(a.domain() == null ? "" : ":" + a.domain().text())
                    .append('/').append(a.cidr4()).append("//").append(a.cidr6());
            } else if (mechanism instanceof SpfRecord.Mx mx) {
                out.append("mx").append(mx.domain() == null ? "" : ":" + mx.domain().text())
                    .append('/').append(mx.cidr4()).append("//").append(mx.cidr6());
            } else if (mechanism instanceof SpfRecord.Ip ip) {
                out.append(ip.network().length == 4 ? "ip4:" : "ip6:").append(network(ip.network()))
                    .append('/').append(ip.prefix());
            } else {
                throw new AssertionError("unknown mechanism " + mechanism);
            }
        }
        if (record.redirect() != null) {
            out.append(" redirect=").append(record.redirect().text());
        }
        if (record.explanation() != null) {
            out.append(" exp=").append(record.explanation().text());
        }
        return out.toString();
    }

    /** Dotted quad, or eight uncompressed hex groups (never unmapped: ip6 stays ip6). */
    private static String network(byte[] octets) {
        StringBuilder out = new StringBuilder();
        if (octets.length == 4) {
            for (byte octet : octets) {
                out.append(out.length() == 0 ? "" : ".").append(octet & 0xff);
            }
            return out.toString();
        }
        for (int i = 0; i < 16; i += 2) {
            out.append(i == 0 ? "" : ":").append(Integer.toHexString(((octets[i] & 0xff) << 8) | (octets[i + 1] & 0xff)));
        }
        return out.toString();
    }

    private static List<MacroString> domainSpecs(SpfRecord record) {
        List<MacroString> out = new java.util.ArrayList<>();
        for (SpfRecord.Directive directive : record.directives()) {
            SpfRecord.Mechanism m = directive.mechanism();
            MacroString spec = m instanceof SpfRecord.Include i ? i.domain() : m instanceof SpfRecord.Exists e ? e.domain()
                : m instanceof SpfRecord.Ptr p ? p.domain() : m instanceof SpfRecord.A a ? a.domain()
                : m instanceof SpfRecord.Mx x ? x.domain() : null;
            if (spec != null) {
                out.add(spec);
            }
        }
        if (record.redirect() != null) {
            out.add(record.redirect());
        }
        if (record.explanation() != null) {
            out.add(record.explanation());
        }
        return out;
    }
}
