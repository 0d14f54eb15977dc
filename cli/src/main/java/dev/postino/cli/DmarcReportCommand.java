package dev.postino.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.postino.core.dmarc.report.AggregateReport;
import dev.postino.core.dmarc.report.AggregateReportRun;
import dev.postino.core.dmarc.report.Evaluation;
import dev.postino.core.dmarc.report.JdbcDmarcReportStore;
import dev.postino.core.dmarc.report.ReportAggregator;
import dev.postino.core.dmarc.report.ReporterIdentity;
import dev.postino.core.dmarc.report.ReportingPeriod;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;
import dev.postino.core.store.StoreException;

/**
 * {@code postino dmarc-report}: the RFC 9990 aggregate reports of one UTC day, built as the
 * {@code DmarcAggregateReports} mailet builds them, from the store or from a file of evaluation records (the JSON
 * lines of the {@code postino.dmarc.evaluations} logger; text before a line's first {@code {}, such as a log
 * pattern's time and level, is ignored), written as {@code receiver!policy-domain!begin!end.xml.gz} files into
 * {@code --out}, sending nothing. {@code --store} takes a JDBC URL ({@code jdbc:postgresql://...?user=...} or
 * {@code jdbc:h2:file:...}) or the folder of an embedded store; default: the embedded store of
 * {@code ./postino run} ({@code run/var/postino/store}). The receiver in the file names is {@code --email}'s domain.
 */
final class DmarcReportCommand implements Command {

    /** Longest line read from a records file; longer ones are not evaluation records. */
    private static final int MAX_LINE = 1 << 20;

    @Override
    public String name() {
        return "dmarc-report";
    }

    @Override
    public String usage() {
        return "postino dmarc-report [--store URL | --records FILE] --day YYYY-MM-DD --org-name NAME --email ADDR"
            + " [--out DIR] [--json]";
    }

    static Set<String> valuedOptions() {
        return Set.of("store", "records", "day", "org-name", "email", "out");
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        if (!arguments.positionals().isEmpty()) {
            throw new UsageException("unexpected argument " + arguments.positionals().get(0));
        }
        if (arguments.value("store") != null && arguments.value("records") != null) {
            throw new UsageException("give --store or --records, not both");
        }
        LocalDate day;
        try {
            day = LocalDate.parse(arguments.required("day"));
        } catch (DateTimeParseException e) {
            throw new UsageException("--day " + arguments.value("day") + ": expected YYYY-MM-DD");
        }
        String orgName = arguments.required("org-name");
        String email = arguments.required("email");
        int at = email.lastIndexOf('@');
        if (orgName.isBlank() || at <= 0 || at == email.length() - 1 || email.chars().anyMatch(c -> c <= ' ')) {
            throw new UsageException(orgName.isBlank() ? "--org-name needs a name" : "--email " + email + ": expected an address");
        }
        ReporterIdentity reporter = ReporterIdentity.of(orgName, email);
        Instant begin = ReportingPeriod.beginOf(day);
        Instant end = begin.plus(Duration.ofDays(1));
        Path out = Path.of(arguments.value("out") == null ? "." : arguments.value("out"));

        List<AggregateReport> reports = arguments.value("records") != null
            ? fromRecords(Path.of(arguments.value("records")), reporter, begin, end, terminal)
            : fromStore(arguments.value("store"), reporter, begin, end);

        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UsageException("--out " + out + ": cannot create it (" + e.getMessage() + ")");
        }
        List<Object> listed = new ArrayList<>();
        for (AggregateReport report : reports) {
            Path file = out.resolve(report.fileName());
            Files.write(file, report.gzip());
            Map<String, Object> entry = Json.object();
            entry.put("policy_domain", report.policyDomain());
            entry.put("rua", report.published().rua());
            entry.put("file", file.toString());
            entry.put("records", report.rows().size());
            entry.put("messages", report.messages());
            listed.add(entry);
            if (!arguments.flag("json")) {
                terminal.out().println(report.policyDomain() + ": " + report.rows().size() + " record(s), "
                    + report.messages() + " message(s) -> " + file + " (rua " + String.join(", ", report.published().rua()) + ")");
            }
        }
        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("reports", listed);
            terminal.out().println(Json.write(json));
        } else if (reports.isEmpty()) {
            terminal.out().println("no reportable evaluation on " + day);
        }
        return 0;
    }

    private static List<AggregateReport> fromRecords(Path file, ReporterIdentity reporter, Instant begin, Instant end,
                                                     Terminal terminal) throws IOException, UsageException {
        ReportAggregator aggregator = new ReportAggregator();
        int unreadable = 0;
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                int open = line.indexOf('{');
                int close = line.lastIndexOf('}');
                if (open < 0 || close < open) {
                    continue; // not a record: other log output
                }
                if (line.length() > MAX_LINE) {
                    unreadable++;
                    continue;
                }
                Optional<Evaluation> evaluation;
                try {
                    evaluation = Evaluation.fromJson(line.substring(open, close + 1));
                } catch (IllegalArgumentException malformed) {
                    unreadable++;
                    continue;
                }
                evaluation.filter(e -> !e.time().isBefore(begin) && e.time().isBefore(end)).ifPresent(aggregator::add);
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("no such file: " + file);
        }
        if (unreadable > 0) {
            terminal.err().println("postino dmarc-report: skipped " + unreadable + " unreadable line(s) in " + file);
        }
        List<AggregateReport> reports = new ArrayList<>();
        for (String domain : aggregator.policyDomains()) {
            aggregator.domain(domain).ifPresent(d -> reports.add(new AggregateReport(reporter, d.published(), begin, end,
                d.rows())));
        }
        return reports;
    }

    private static List<AggregateReport> fromStore(String store, ReporterIdentity reporter, Instant begin, Instant end)
        throws UsageException {
        StoreConfig config;
        if (store == null) {
            config = StoreConfig.embedded(Path.of("run", "var", "postino", "store"));
        } else if (store.startsWith("jdbc:")) {
            try {
                config = StoreConfig.jdbc(store, "", "");
                config.dialect();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--store " + store + ": expected jdbc:postgresql://HOST:PORT/DATABASE or jdbc:h2:file:PATH");
            }
        } else {
            config = StoreConfig.embedded(Path.of(store));
        }
        try (PostinoStore opened = PostinoStore.open(config.withPoolSize(2))) {
            return AggregateReportRun.reports(new JdbcDmarcReportStore(opened), reporter, begin, end);
        } catch (StoreException e) {
            throw new UsageException("--store: " + e.getMessage());
        }
    }
}
