package dev.postino.core.dmarc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.json.Json;
import dev.postino.core.spf.SpfResult;

/**
 * What one DMARC evaluation saw and decided, the row an aggregate report (RFC 9990) is later built from.
 *
 * @param time        when the evaluation ended
 * @param sourceIp    the SMTP client's address
 * @param spf         the SPF verdict DMARC used
 * @param dkim        the DKIM verdicts DMARC used
 * @param dmarc       the DMARC outcome
 */
public record DmarcEvaluationRecord(Instant time, String sourceIp, SpfResult spf, List<DkimResult> dkim,
                                    DmarcResult dmarc) {

    public DmarcEvaluationRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(spf, "spf");
        Objects.requireNonNull(dmarc, "dmarc");
        dkim = List.copyOf(dkim);
    }

    /** One line of JSON with the report's fields (names as in RFC 9990's XML, lowercase with underscores). */
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
        return Json.write(json);
    }
}
