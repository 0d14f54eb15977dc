package dev.postino.core.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import dev.postino.core.json.Json;

/** The report against RFC 8460 section 4 (fields, types, summary) and the {@code _smtp._tls} record (section 3). */
class TlsReportTest {

    private static final LocalDate DAY = LocalDate.parse("2026-11-30");
    private static final TlsPolicyKey STS = new TlsPolicyKey(TlsPolicyKey.STS, "example.com",
        List.of("version: STSv1", "mode: enforce", "mx: *.mail.example.com", "max_age: 86400"), List.of("*.mail.example.com"));

    @SuppressWarnings("unchecked")
    @Test
    void reportHasTheFieldsOfRfc8460() throws Exception {
        InMemoryTlsReportStore store = new InMemoryTlsReportStore();
        for (int i = 0; i < 3; i++) {
            store.count(DAY, STS, null, "mx1.mail.example.com", "192.0.2.1");
        }
        store.count(DAY, STS, TlsResultType.CERTIFICATE_EXPIRED, "mx2.mail.example.com", "192.0.2.2");
        store.count(DAY, STS, TlsResultType.CERTIFICATE_EXPIRED, "mx2.mail.example.com", "192.0.2.2");
        store.count(DAY, STS, TlsResultType.STARTTLS_NOT_SUPPORTED, "mx3.mail.example.com", "192.0.2.3");
        store.count(DAY, TlsPolicyKey.noPolicy("example.com"), null, "", "");
        store.count(DAY.plusDays(1), STS, null, "", ""); // another day
        store.count(DAY, TlsPolicyKey.noPolicy("other.example"), null, "", "");

        TlsReport report = new TlsReport("Postino at example.org", "mailto:postmaster@example.org", "mx.example.org", DAY,
            "example.com", store.counts(DAY, "example.com"));
        byte[] gzipped = report.gzipped();
        Map<String, Object> json;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            json = (Map<String, Object>) Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }

        assertThat(json).containsOnlyKeys("organization-name", "date-range", "contact-info", "report-id", "policies");
        assertThat(json.get("organization-name")).isEqualTo("Postino at example.org");
        assertThat(json.get("contact-info")).isEqualTo("mailto:postmaster@example.org");
        assertThat((Map<String, Object>) json.get("date-range")).containsEntry("start-datetime", "2026-11-30T00:00:00Z")
            .containsEntry("end-datetime", "2026-11-30T23:59:59Z");
        assertThat((String) json.get("report-id")).isNotBlank();
        List<Map<String, Object>> policies = (List<Map<String, Object>>) json.get("policies");
        assertThat(policies).hasSize(2);
        Map<String, Object> sts = policies.stream().filter(p -> ((Map<String, Object>) p.get("policy")).get("policy-type")
            .equals("sts")).findFirst().orElseThrow();
        assertThat(sts).containsOnlyKeys("policy", "summary", "failure-details");
        assertThat((Map<String, Object>) sts.get("policy")).containsOnlyKeys("policy-type", "policy-string", "policy-domain",
            "mx-host").containsEntry("policy-domain", "example.com")
            .containsEntry("policy-string", STS.policyString()).containsEntry("mx-host", List.of("*.mail.example.com"));
        assertThat((Map<String, Object>) sts.get("summary")).containsEntry("total-successful-session-count", 3)
            .containsEntry("total-failure-session-count", 3);
        List<Map<String, Object>> details = (List<Map<String, Object>>) sts.get("failure-details");
        assertThat(details).extracting(d -> d.get("result-type"))
            .containsExactlyInAnyOrder("certificate-expired", "starttls-not-supported");
        assertThat(details).filteredOn(d -> d.get("result-type").equals("certificate-expired")).singleElement()
            .satisfies(d -> assertThat(d).containsEntry("failed-session-count", 2)
                .containsEntry("receiving-mx-hostname", "mx2.mail.example.com").containsEntry("receiving-ip", "192.0.2.2"));
        Map<String, Object> none = policies.stream().filter(p -> p != sts).findFirst().orElseThrow();
        assertThat((Map<String, Object>) none.get("policy")).containsEntry("policy-type", "no-policy-found")
            .doesNotContainKey("policy-string");
        assertThat((Map<String, Object>) none.get("summary")).containsEntry("total-successful-session-count", 1)
            .containsEntry("total-failure-session-count", 0);
        // RFC 8460 section 5.3: submitter!policy-domain!begin-timestamp!end-timestamp[!unique-id].json.gz, in epoch seconds
        long begin = java.time.Instant.parse("2026-11-30T00:00:00Z").getEpochSecond();
        assertThat(report.fileName()).isEqualTo("mx.example.org!example.com!" + begin + "!" + (begin + 86399) + "!20261130.json.gz");
    }

    @Test
    void eachDayAndDomainIsClaimedOnce() {
        InMemoryTlsReportStore store = new InMemoryTlsReportStore();
        store.count(DAY, STS, null, "", "");
        store.count(DAY.plusDays(1), STS, null, "", "");
        assertThat(store.unreported(DAY.plusDays(1), 10)).containsExactly(new TlsReportStore.DayDomain(DAY, "example.com"));
        assertThat(store.claim(DAY, "example.com")).isTrue();
        assertThat(store.claim(DAY, "example.com")).isFalse();
        store.release(DAY, "example.com");
        assertThat(store.unreported(DAY.plusDays(1), 10)).containsExactly(new TlsReportStore.DayDomain(DAY, "example.com"));
        assertThat(store.claim(DAY, "example.com")).isTrue();
        assertThat(store.unreported(DAY.plusDays(2), 10)).containsExactly(new TlsReportStore.DayDomain(DAY.plusDays(1), "example.com"));
    }

    @Test
    void ruaRecord() {
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=mailto:tls@example.com,https://reports.example.com/tlsrpt").orElseThrow().rua())
            .containsExactly(URI.create("mailto:tls@example.com"), URI.create("https://reports.example.com/tlsrpt"));
        assertThat(TlsRptRecord.parse("v=TLSRPTv1;rua=mailto:a@example.com")).isPresent();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=ftp://example.com/x")).isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=http://example.com/x")).isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1;")).isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv2; rua=mailto:a@example.com")).isEmpty();
        assertThat(TlsRptRecord.select(List.of("v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com")))
            .isEmpty();
        assertThat(TlsRptRecord.mailbox(URI.create("mailto:tls@example.com?subject=x"))).isEqualTo("tls@example.com");
    }
}
