package dev.postino.core.dmarc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.json.Json;
import dev.postino.core.spf.SpfIdentity;
import dev.postino.core.spf.SpfResult;

/**
 * What one DMARC evaluation saw and decided, the row an aggregate report (RFC 9990) is later built from.
 *
 * @param time            when the evaluation ended
 * @param sourceIp        the SMTP client's address
 * @param spf             the SPF verdict DMARC used
 * @param dkim            the DKIM verdicts DMARC used
 * @param dmarc           the DMARC outcome (with the published policy and its {@code rua}, when one applied)
 * @param envelopeTo      the domain of the first RCPT TO; empty when unknown
 * @param overrideType    an RFC 9990 policy override type ({@code local_policy}, {@code mailing_list},
 *                        {@code trusted_forwarder}, {@code other}) when the receiver applied another disposition
 *                        than DMARC's; empty otherwise ({@code policy_test_mode} is derived from {@code t=y})
 * @param overrideComment free text with {@code overrideType}; may be empty
 */
public record DmarcEvaluationRecord(Instant time, String sourceIp, SpfResult spf, List<DkimResult> dkim,
                                    DmarcResult dmarc, String envelopeTo, String overrideType,
                                    String overrideComment) {

    public DmarcEvaluationRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(spf, "spf");
        Objects.requireNonNull(dmarc, "dmarc");
        dkim = List.copyOf(dkim);
        envelopeTo = envelopeTo == null ? "" : envelopeTo.toLowerCase(Locale.ROOT);
        overrideType = overrideType == null ? "" : overrideType;
        overrideComment = overrideComment == null ? "" : overrideComment;
    }

    /** A record without envelope recipient and override. */
    public DmarcEvaluationRecord(Instant time, String sourceIp, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {
        this(time, sourceIp, spf, dkim, dmarc, "", "", "");
    }

    /** The RFC5321.MailFrom domain; empty for the null reverse-path (SPF then checked the HELO name). */
    public String envelopeFrom() {
        String mailFrom = spf.request().mailFrom();
        if (spf.request().identity() == SpfIdentity.HELO || mailFrom.isEmpty()) {
            return "";
        }
        return mailFrom.substring(mailFrom.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** {@code mfrom} when SPF checked the MAIL FROM domain, {@code helo} when it checked the HELO name. */
    public String spfScope() {
        return envelopeFrom().isEmpty() ? "helo" : "mfrom";
    }

    /**
     * One line of JSON with the report's fields (names as in RFC 9990's XML, lowercase with underscores). Fields
     * are only ever added, so that older lines stay readable: {@code envelope_from}, {@code envelope_to},
     * {@code spf.scope}, {@code published} and {@code override} came with aggregate reports.
     */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("time", time.toString());
        json.put("source_ip", sourceIp);
        json.put("header_from", dmarc.headerFrom());
        json.put("policy_domain", dmarc.policyDomain());
        json.put("result", dmarc.verdict().keyword());
        json.put("policy", dmarc.policy().keyword());
        json.put("disposition", dmarc.disposition().keyword());
        json.put("testing", dmarc.testing());
        json.put("spf_aligned", dmarc.spfAligned());
        json.put("dkim_aligned_domain", dmarc.dkimDomain());
        Map<String, Object> spfEntry = new LinkedHashMap<>();
        spfEntry.put("domain", spf.domain());
        spfEntry.put("result", spf.verdict().keyword());
        spfEntry.put("scope", spfScope());
        json.put("spf", spfEntry);
        List<Object> signatures = new ArrayList<>();
        for (DkimResult signature : dkim) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("domain", signature.domain());
            entry.put("selector", signature.selector());
            entry.put("result", signature.verdict().word());
            signatures.add(entry);
        }
        json.put("dkim", signatures);
        json.put("reason", dmarc.reason());
        json.put("envelope_from", envelopeFrom());
        json.put("envelope_to", envelopeTo);
        dmarc.published().ifPresent(p -> json.put("published", p.toMap()));
        if (!overrideType.isEmpty()) {
            Map<String, Object> override = new LinkedHashMap<>();
            override.put("type", overrideType);
            override.put("comment", overrideComment);
            json.put("override", override);
        }
        return Json.write(json);
    }
}
