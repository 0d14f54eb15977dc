package dev.postino.core.dmarc.report;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.json.Json;

/**
 * One DMARC evaluation as an aggregate report counts it: when, under which published policy, and its row (with
 * count 1). Only evaluations where a policy record with at least one {@code rua} applied are ever reported.
 *
 * @param time      when the evaluation ended
 * @param published the policy record that applied (its domain is the report's policy domain)
 * @param row       the report row, count 1
 */
public record Evaluation(Instant time, PublishedPolicy published, ReportRow row) {

    /** Longest value kept from a field a sender controls (header_from, selectors, ...). */
    static final int MAX_FIELD = 255;

    public Evaluation {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(published, "published");
        Objects.requireNonNull(row, "row");
    }

    /** The report's policy domain. */
    public String policyDomain() {
        return published.domain();
    }

    /** The evaluation as reported, or empty when no policy record with an {@code rua} applied. */
    public static Optional<Evaluation> of(DmarcEvaluationRecord record) {
        DmarcResult dmarc = record.dmarc();
        if (dmarc.published().isEmpty() || dmarc.published().get().rua().isEmpty()) {
            return Optional.empty();
        }
        List<ReportRow.DkimAuth> dkim = new ArrayList<>();
        for (DkimResult signature : record.dkim()) {
            dkim.add(new ReportRow.DkimAuth(signature.domain(), signature.selector(), signature.verdict().word()));
        }
        ReportRow.SpfAuth spf = record.spf().domain().isEmpty() ? null
            : new ReportRow.SpfAuth(record.spf().domain(), record.spfScope(), record.spf().verdict().keyword());
        return Optional.of(build(record.time(), dmarc.published().get(), record.sourceIp(), dmarc.headerFrom(),
            record.envelopeFrom(), record.envelopeTo(), dmarc.verdict(), dmarc.policy(), dmarc.disposition(),
            dmarc.dkimDomain(), dmarc.spfAligned(), record.overrideType(), record.overrideComment(), dkim, spf));
    }

    /**
     * Reads one line of the evaluation log ({@link DmarcEvaluationRecord#toJson()}); empty when the line is valid
     * but not reportable (no published policy with an {@code rua}: every line written before reports existed).
     *
     * @throws IllegalArgumentException when the line is not such a JSON object
     */
    public static Optional<Evaluation> fromJson(String line) {
        if (!(Json.read(line) instanceof Map<?, ?> json)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!(json.get("published") instanceof Map<?, ?> publishedMap)) {
            return Optional.empty();
        }
        PublishedPolicy published = PublishedPolicy.fromMap(publishedMap);
        if (published.rua().isEmpty()) {
            return Optional.empty();
        }
        Instant time;
        try {
            time = Instant.parse(ReportRow.text(json, "time"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("no valid time", e);
        }
        DmarcVerdict verdict = verdict(ReportRow.text(json, "result"));
        DmarcPolicy policy = DmarcPolicy.parse(ReportRow.text(json, "policy")).orElse(DmarcPolicy.NONE);
        DmarcPolicy disposition = DmarcPolicy.parse(ReportRow.text(json, "disposition")).orElse(DmarcPolicy.NONE);
        List<ReportRow.DkimAuth> dkim = new ArrayList<>();
        if (json.get("dkim") instanceof List<?> signatures) {
            for (Object entry : signatures) {
                if (entry instanceof Map<?, ?> map) {
                    dkim.add(new ReportRow.DkimAuth(ReportRow.text(map, "domain"), ReportRow.text(map, "selector"),
                        ReportRow.text(map, "result")));
                }
            }
        }
        ReportRow.SpfAuth spf = null;
        if (json.get("spf") instanceof Map<?, ?> spfMap && !ReportRow.text(spfMap, "domain").isEmpty()) {
            String scope = ReportRow.text(spfMap, "scope");
            spf = new ReportRow.SpfAuth(ReportRow.text(spfMap, "domain"), scope.equals("helo") ? "helo" : "mfrom",
                ReportRow.text(spfMap, "result"));
        }
        String overrideType = "";
        String overrideComment = "";
        if (json.get("override") instanceof Map<?, ?> override) {
            overrideType = ReportRow.text(override, "type");
            overrideComment = ReportRow.text(override, "comment");
        }
        return Optional.of(build(time, published, ReportRow.text(json, "source_ip"), ReportRow.text(json, "header_from"),
            ReportRow.text(json, "envelope_from"), ReportRow.text(json, "envelope_to"), verdict, policy, disposition,
            ReportRow.text(json, "dkim_aligned_domain"), Boolean.TRUE.equals(json.get("spf_aligned")), overrideType,
            overrideComment, dkim, spf));
    }

    private static DmarcVerdict verdict(String word) {
        for (DmarcVerdict v : DmarcVerdict.values()) {
            if (v.keyword().equals(word)) {
                return v;
            }
        }
        return DmarcVerdict.NONE;
    }

    private static Evaluation build(Instant time, PublishedPolicy published, String sourceIp, String headerFrom,
                                    String envelopeFrom, String envelopeTo, DmarcVerdict verdict, DmarcPolicy policy,
                                    DmarcPolicy disposition, String dkimAlignedDomain, boolean spfAligned,
                                    String overrideType, String overrideComment, List<ReportRow.DkimAuth> dkim,
                                    ReportRow.SpfAuth spf) {
        // RFC 9990: "pass" is no action for a message that passed under an enforcing policy
        String action = verdict == DmarcVerdict.PASS && policy != DmarcPolicy.NONE ? "pass" : disposition.keyword();
        String type = overrideType;
        String comment = overrideComment;
        if (type.isEmpty() && published.testing() && verdict == DmarcVerdict.FAIL && disposition != policy) {
            type = "policy_test_mode";
            comment = "";
        }
        String from = clip(headerFrom).toLowerCase(Locale.ROOT);
        List<ReportRow.DkimAuth> ordered = new ArrayList<>();
        for (ReportRow.DkimAuth signature : dkim) {
            ordered.add(new ReportRow.DkimAuth(clip(signature.domain()).toLowerCase(Locale.ROOT),
                clip(signature.selector()), signature.result()));
        }
        String aligned = dkimAlignedDomain.toLowerCase(Locale.ROOT);
        ordered.sort(Comparator.comparingInt(s -> rank(s, from, aligned)));
        ReportRow.SpfAuth spfAuth = spf == null ? null
            : new ReportRow.SpfAuth(clip(spf.domain()).toLowerCase(Locale.ROOT), spf.scope(), spf.result());
        return new Evaluation(time, published, new ReportRow(sourceIp, from, clip(envelopeFrom).toLowerCase(Locale.ROOT),
            clip(envelopeTo).toLowerCase(Locale.ROOT), action, !aligned.isEmpty(), spfAligned, type, clip(comment),
            ordered, spfAuth, 1));
    }

    /** RFC 9990 §3.1.3's order: strictly aligned passes, relaxed aligned passes, other passes, the rest. */
    private static int rank(ReportRow.DkimAuth signature, String headerFrom, String alignedDomain) {
        if (!signature.result().equals(DkimVerdict.PASS.word())) {
            return 3;
        }
        if (signature.domain().equals(headerFrom)) {
            return 0;
        }
        if (signature.domain().equals(alignedDomain) || !headerFrom.isEmpty()
            && DestinationVerifier.organizationalDomain(signature.domain()).equals(DestinationVerifier.organizationalDomain(headerFrom))) {
            return 1;
        }
        return 2;
    }

    private static String clip(String value) {
        return value == null ? "" : value.length() > MAX_FIELD ? value.substring(0, MAX_FIELD) : value;
    }
}
