package dev.postino.core.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.dmarc.report.testing.ReportXml;
import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of the values senders control in a report row (identifiers, selector, comment) from
 * arbitrary UTF-8, NUL-separated. Seeds: {@code AggregateReportXmlFuzzTestInputs/report/}. The report is
 * well-formed, valid against RFC 9990's schema, and carries each value less what XML 1.0 cannot hold.
 */
class AggregateReportXmlFuzzTest {

    @FuzzTest
    void report(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        String[] parts = text.split("\u0000", -1);
        String from = parts[0];
        String selector = parts.length > 1 ? parts[1] : "s";
        String comment = parts.length > 2 ? parts[2] : "";
        ReportRow row = new ReportRow("192.0.2.1", from, from, from, "none", false, true,
            comment.isEmpty() ? "" : "other", comment, List.of(new ReportRow.DkimAuth(from, selector, "fail")),
            new ReportRow.SpfAuth(from, "mfrom", "pass"), 1);
        PublishedPolicy policy = new PublishedPolicy("example.test", DmarcPolicy.REJECT, Optional.empty(),
            Optional.empty(), false, false, false, comment, "treewalk", List.of("mailto:a@example.test"));
        AggregateReport report = new AggregateReport(ReporterIdentity.of("Fuzz", "r@reporter.test"), policy,
            Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400), List.of(row));

        byte[] xml = report.xml();

        ReportXml.validate(xml);
        var document = ReportXml.parse(xml);
        assertThat(ReportXml.text(document, "header_from")).isEqualTo(AggregateReport.xmlChars(from));
        assertThat(ReportXml.text(document, "selector")).isEqualTo(AggregateReport.xmlChars(selector));
        assertThat(ReportXml.gunzip(report.gzip())).isEqualTo(xml);
    }
}
