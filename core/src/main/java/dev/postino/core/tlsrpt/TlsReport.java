package dev.postino.core.tlsrpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

import dev.postino.core.json.Json;

/**
 * One day's TLS report for one policy domain, as RFC 8460 section 4 writes it: {@code organization-name},
 * {@code date-range} (the UTC day), {@code contact-info}, {@code report-id}, and per policy seen that day a
 * {@code policy} ({@code policy-type}, {@code policy-string}, {@code policy-domain}, {@code mx-host}), its
 * {@code summary} and {@code failure-details}.
 *
 * @param organization who sends the report
 * @param contact      an address for questions about it
 * @param submitter    the host name of the sender, in the report id and file name
 */
public record TlsReport(String organization, String contact, String submitter, LocalDate day, String domain,
                        List<TlsSessionCount> counts) {

    public TlsReport {
        Objects.requireNonNull(organization, "organization");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(submitter, "submitter");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(domain, "domain");
        counts = List.copyOf(counts);
    }

    public Instant start() {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public Instant end() {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(1);
    }

    /** The same for each (domain, day), so that a receiver can tell a repeat from a new report. */
    public String reportId() {
        return day + "T00:00:00Z_" + domain + "@" + submitter;
    }

    /** RFC 8460 section 5.3's file name: {@code submitter!policy-domain!begin!end!unique-id.json.gz}. */
    public String fileName() {
        return submitter + "!" + domain + "!" + start().getEpochSecond() + "!" + end().getEpochSecond() + "!"
            + day.toString().replace("-", "") + ".json.gz";
    }

    /** The report as JSON maps and lists. */
    public Map<String, Object> json() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("organization-name", organization);
        report.put("date-range", Map.of("start-datetime", start().toString(), "end-datetime", end().toString()));
        report.put("contact-info", contact);
        report.put("report-id", reportId());
        Map<TlsPolicyKey, List<TlsSessionCount>> byPolicy = new LinkedHashMap<>();
        counts.stream().sorted(Comparator.comparing((TlsSessionCount c) -> c.policy().type())
                .thenComparing(c -> String.join("\n", c.policy().policyString())))
            .forEach(c -> byPolicy.computeIfAbsent(c.policy(), k -> new ArrayList<>()).add(c));
        List<Object> policies = new ArrayList<>();
        byPolicy.forEach((key, list) -> {
            Map<String, Object> policy = new LinkedHashMap<>();
            policy.put("policy-type", key.type());
            if (key.type().equals(TlsPolicyKey.STS)) {
                policy.put("policy-string", key.policyString());
            }
            policy.put("policy-domain", key.domain());
            if (key.type().equals(TlsPolicyKey.STS)) {
                policy.put("mx-host", key.mxHosts());
            }
            long ok = list.stream().filter(c -> c.failure() == null).mapToLong(TlsSessionCount::count).sum();
            long failed = list.stream().filter(c -> c.failure() != null).mapToLong(TlsSessionCount::count).sum();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("total-successful-session-count", ok);
            summary.put("total-failure-session-count", failed);
            List<Object> details = new ArrayList<>();
            list.stream().filter(c -> c.failure() != null)
                .sorted(Comparator.comparing((TlsSessionCount c) -> c.failure().label()).thenComparing(TlsSessionCount::receivingMx))
                .forEach(c -> {
                    Map<String, Object> detail = new LinkedHashMap<>();
                    detail.put("result-type", c.failure().label());
                    if (!c.receivingMx().isEmpty()) {
                        detail.put("receiving-mx-hostname", c.receivingMx());
                    }
                    if (!c.receivingIp().isEmpty()) {
                        detail.put("receiving-ip", c.receivingIp());
                    }
                    detail.put("failed-session-count", c.count());
                    details.add(detail);
                });
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("policy", policy);
            entry.put("summary", summary);
            entry.put("failure-details", details);
            policies.add(entry);
        });
        report.put("policies", policies);
        return report;
    }

    /** The JSON text, UTF-8. */
    public byte[] jsonBytes() {
        return Json.write(json()).getBytes(StandardCharsets.UTF_8);
    }

    /** The JSON, gzipped: the {@code application/tlsrpt+gzip} body. */
    public byte[] gzipped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(jsonBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
