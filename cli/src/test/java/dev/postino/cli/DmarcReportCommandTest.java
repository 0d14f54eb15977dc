package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.dmarc.report.Evaluation;
import dev.postino.core.dmarc.report.JdbcDmarcReportStore;
import dev.postino.core.dmarc.report.testing.ReportXml;
import dev.postino.core.json.Json;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;

class DmarcReportCommandTest {

    static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");

    @TempDir
    Path directory;

    private static DmarcEvaluationRecord record(Instant time, String ip, String domain, boolean pass) throws Exception {
        PublishedPolicy published = new PublishedPolicy(domain, DmarcPolicy.REJECT, Optional.empty(), Optional.empty(),
            false, false, false, "0", "treewalk", List.of("mailto:dmarc@" + domain, "mailto:x@reports.example!10m"));
        DmarcResult dmarc = new DmarcResult(pass ? DmarcVerdict.PASS : DmarcVerdict.FAIL, domain, domain,
            DmarcPolicy.REJECT, pass ? DmarcPolicy.NONE : DmarcPolicy.REJECT, false, pass, pass ? domain : "",
            pass ? "aligned" : "no aligned identifier", Optional.of(published));
        SpfResult spf = new SpfResult(SpfRequest.mailFrom(InetAddress.getByName(ip), "a@" + domain, "mx.sender.test"),
            pass ? SpfVerdict.PASS : SpfVerdict.FAIL, "", domain, 1, "", "");
        DkimResult dkim = new DkimResult(pass ? DkimVerdict.PASS : DkimVerdict.FAIL, domain, "s1", "rsa-sha256",
            "@" + domain, "abcdefgh", "", false, false);
        return new DmarcEvaluationRecord(time, ip, spf, List.of(dkim), dmarc, "receiver.test", "", "");
    }

    private List<DmarcEvaluationRecord> theDay() throws Exception {
        List<DmarcEvaluationRecord> records = new ArrayList<>();
        records.add(record(DAY.plusSeconds(60), "192.0.2.1", "alpha.test", true));
        records.add(record(DAY.plusSeconds(3600), "192.0.2.1", "alpha.test", true));
        records.add(record(DAY.plusSeconds(7200), "198.51.100.7", "alpha.test", false));
        records.add(record(DAY.plusSeconds(86_399), "203.0.113.9", "beta.test", true));
        records.add(record(DAY.minusSeconds(1), "192.0.2.1", "alpha.test", true)); // the day before
        return records;
    }

    @Test
    void recordsFromTheLogGiveOneValidReportPerPolicyDomain() throws Exception {
        List<String> lines = new ArrayList<>();
        List<DmarcEvaluationRecord> records = theDay();
        lines.add("2026-11-23 00:01:00,000 INFO postino.dmarc.evaluations - " + records.get(0).toJson());
        for (DmarcEvaluationRecord r : records.subList(1, records.size())) {
            lines.add(r.toJson());
        }
        lines.add("2026-11-23 00:02:00,000 INFO other.logger - started");
        lines.add("{\"time\":\"2026-11-23T05:00:00Z\",\"source_ip\":\"192.0.2.1\",\"header_from\":\"old.test\","
            + "\"policy_domain\":\"old.test\",\"result\":\"pass\",\"policy\":\"reject\",\"disposition\":\"none\"}");
        lines.add("{not json}");
        Path file = directory.resolve("evaluations.log");
        Files.write(file, lines, StandardCharsets.UTF_8);
        Path out = directory.resolve("reports");
        CapturedTerminal terminal = new CapturedTerminal();

        int status = terminal.run("dmarc-report", "--records", file.toString(), "--day", "2026-11-23",
            "--org-name", "Postino Test", "--email", "dmarc-reports@reporter.test", "--out", out.toString(), "--json");

        assertThat(status).as(terminal.err()).isZero();
        assertThat(terminal.err()).contains("skipped 1 unreadable line");
        Map<?, ?> json = (Map<?, ?>) Json.read(terminal.out().strip());
        List<?> reports = (List<?>) json.get("reports");
        assertThat(reports).extracting(r -> ((Map<?, ?>) r).get("policy_domain"), r -> ((Map<?, ?>) r).get("records"),
            r -> ((Map<?, ?>) r).get("messages")).containsExactly(tuple("alpha.test", 2, 3), tuple("beta.test", 1, 1));
        Map<?, ?> alpha = (Map<?, ?>) reports.get(0);
        assertThat(alpha.get("rua")).isEqualTo(List.of("mailto:dmarc@alpha.test", "mailto:x@reports.example!10m"));
        Path written = Path.of((String) alpha.get("file"));
        assertThat(written.getFileName().toString()).isEqualTo("reporter.test!alpha.test!" + DAY.getEpochSecond() + "!"
            + (DAY.getEpochSecond() + 86_399) + ".xml.gz");
        byte[] xml = ReportXml.gunzip(Files.readAllBytes(written));
        ReportXml.validate(xml);
        Document document = ReportXml.parse(xml);
        assertThat(ReportXml.text(document, "org_name")).isEqualTo("Postino Test");
        assertThat(ReportXml.rows(document)).extracting(ReportXml.Row::sourceIp, ReportXml.Row::disposition,
            ReportXml.Row::count).containsExactlyInAnyOrder(tuple("192.0.2.1", "pass", 2L), tuple("198.51.100.7", "reject", 1L));
        try (var files = Files.list(out)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }

    @Test
    void theStoreGivesTheSameReports() throws Exception {
        Path storeDirectory = directory.resolve("store");
        try (PostinoStore store = PostinoStore.open(StoreConfig.embedded(storeDirectory))) {
            JdbcDmarcReportStore reports = new JdbcDmarcReportStore(store);
            for (DmarcEvaluationRecord r : theDay()) {
                Evaluation.of(r).ifPresent(reports::add);
            }
        }
        CapturedTerminal terminal = new CapturedTerminal();

        int status = terminal.run("dmarc-report", "--store", storeDirectory.toString(), "--day", "2026-11-23",
            "--org-name", "Postino Test", "--email", "dmarc-reports@reporter.test", "--out", directory.resolve("o").toString());

        assertThat(status).as(terminal.err()).isZero();
        assertThat(terminal.out()).contains("alpha.test: 2 record(s), 3 message(s)").contains("beta.test: 1 record(s), 1 message(s)");
    }

    @Test
    void usageErrorsSayWhatIsWrongInOneLine() throws Exception {
        CapturedTerminal noDay = new CapturedTerminal();
        assertThat(noDay.run("dmarc-report", "--records", "x", "--org-name", "O", "--email", "a@b.test")).isEqualTo(2);
        assertThat(noDay.err()).contains("--day is required").doesNotContain("\n\n");
        assertThat(noDay.err().strip().lines().count()).isEqualTo(1);

        CapturedTerminal both = new CapturedTerminal();
        assertThat(both.run("dmarc-report", "--records", "x", "--store", "y", "--day", "2026-11-23", "--org-name", "O",
            "--email", "a@b.test")).isEqualTo(2);
        assertThat(both.err()).contains("not both");

        CapturedTerminal missing = new CapturedTerminal();
        assertThat(missing.run("dmarc-report", "--records", directory.resolve("none").toString(), "--day", "2026-11-23",
            "--org-name", "O", "--email", "a@b.test")).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");

        CapturedTerminal badDay = new CapturedTerminal();
        assertThat(badDay.run("dmarc-report", "--records", "x", "--day", "23/11/2026", "--org-name", "O",
            "--email", "a@b.test")).isEqualTo(2);
        assertThat(badDay.err()).contains("YYYY-MM-DD");
    }
}
