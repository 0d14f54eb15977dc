package dev.postino.core.dmarc.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.json.Json;

/**
 * One {@code record} of an aggregate report (RFC 9990 §3.1): what messages from one source had in common, and how
 * many there were. Two evaluations fall in the same row when every field but {@code count} is equal.
 *
 * @param sourceIp        the SMTP client's address
 * @param headerFrom      the RFC5322.From domain
 * @param envelopeFrom    the RFC5321.MailFrom domain; empty for the null reverse-path
 * @param envelopeTo      the RFC5321.RcptTo domain; empty when unknown
 * @param disposition     {@code none}, {@code pass}, {@code quarantine} or {@code reject} (RFC 9990's
 *                        ActionDispositionType)
 * @param dkimAligned     an aligned DKIM signature passed
 * @param spfAligned      an aligned SPF pass
 * @param overrideType    a PolicyOverrideType word, or empty
 * @param overrideComment its comment, or empty
 * @param dkim            every DKIM signature checked, most telling first (at most {@value #MAX_SIGNATURES})
 * @param spf             the SPF check, or null when SPF checked no domain
 * @param count           how many messages
 */
public record ReportRow(String sourceIp, String headerFrom, String envelopeFrom, String envelopeTo,
                        String disposition, boolean dkimAligned, boolean spfAligned, String overrideType,
                        String overrideComment, List<DkimAuth> dkim, SpfAuth spf, long count) {

    /** RFC 9990 §3.1.3: no more than 100 signatures for a row. */
    public static final int MAX_SIGNATURES = 100;

    public ReportRow {
        sourceIp = Objects.requireNonNullElse(sourceIp, "");
        headerFrom = Objects.requireNonNullElse(headerFrom, "");
        envelopeFrom = Objects.requireNonNullElse(envelopeFrom, "");
        envelopeTo = Objects.requireNonNullElse(envelopeTo, "");
        disposition = Objects.requireNonNullElse(disposition, "none");
        overrideType = Objects.requireNonNullElse(overrideType, "");
        overrideComment = Objects.requireNonNullElse(overrideComment, "");
        dkim = List.copyOf(dkim.size() > MAX_SIGNATURES ? dkim.subList(0, MAX_SIGNATURES) : dkim);
    }

    /** One DKIM signature's d=, s= and result. */
    public record DkimAuth(String domain, String selector, String result) {
        public DkimAuth {
            domain = Objects.requireNonNullElse(domain, "");
            selector = Objects.requireNonNullElse(selector, "");
            result = Objects.requireNonNullElse(result, "none");
        }
    }

    /** The SPF check: the domain, {@code mfrom} or {@code helo}, and the result. */
    public record SpfAuth(String domain, String scope, String result) {
        public SpfAuth {
            domain = Objects.requireNonNullElse(domain, "");
            scope = Objects.requireNonNullElse(scope, "mfrom");
            result = Objects.requireNonNullElse(result, "none");
        }
    }

    /** The same row with another count. */
    public ReportRow withCount(long newCount) {
        return new ReportRow(sourceIp, headerFrom, envelopeFrom, envelopeTo, disposition, dkimAligned, spfAligned,
            overrideType, overrideComment, dkim, spf, newCount);
    }

    /** The same row with other DKIM signatures. */
    public ReportRow withDkim(List<DkimAuth> signatures) {
        return new ReportRow(sourceIp, headerFrom, envelopeFrom, envelopeTo, disposition, dkimAligned, spfAligned,
            overrideType, overrideComment, signatures, spf, count);
    }

    /** The row as a grouping key: the same row with count 0. */
    public ReportRow key() {
        return count == 0 ? this : withCount(0);
    }

    /** The DKIM signatures as one compact JSON text (how the store keeps and groups them). */
    public String dkimJson() {
        List<List<String>> out = new ArrayList<>(dkim.size());
        for (DkimAuth signature : dkim) {
            out.add(List.of(signature.domain(), signature.selector(), signature.result()));
        }
        return Json.write(out);
    }

    /** Reads {@link #dkimJson()} back; anything unreadable counts as no signature. */
    public static List<DkimAuth> dkimFromJson(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        Object value;
        try {
            value = Json.read(text);
        } catch (IllegalArgumentException malformed) {
            return List.of();
        }
        List<DkimAuth> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object entry : list) {
                if (entry instanceof List<?> triple && triple.size() == 3) {
                    out.add(new DkimAuth(String.valueOf(triple.get(0)), String.valueOf(triple.get(1)),
                        String.valueOf(triple.get(2))));
                } else if (entry instanceof Map<?, ?> map) {
                    out.add(new DkimAuth(text(map, "domain"), text(map, "selector"), text(map, "result")));
                }
            }
        }
        return out;
    }

    static String text(Map<?, ?> map, String key) {
        return map.get(key) instanceof String s ? s : "";
    }
}
