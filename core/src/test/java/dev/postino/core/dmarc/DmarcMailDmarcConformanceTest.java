package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dmarc.DmarcCaseGenerator.DmarcCase;
import dev.postino.core.dmarc.DmarcCaseGenerator.DnsEntry;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.json.Json;

/**
 * DMARC against an independent implementation: Mail::DMARC (Debian package {@code libmail-dmarc-perl}, RFC 7489
 * with the Public Suffix List), on {@link DmarcCaseGenerator}'s seeded cases served by one local DNS server.
 * Measured where RFC 7489 and RFC 9989 agree (our two modes give the same result and disposition): the result
 * ({@code pass fail none}) and the disposition. Every disagreement is printed with its case and must be one of
 * Mail::DMARC's known departures from both RFCs ({@link #knownDeparture}); on the cases that show none, at least
 * 99% must agree. Mail::DMARC's "fail" when it applies no policy at all is read as RFC 8601's "none".
 * Skipped (JUnit assumption) when perl's Mail::DMARC is not installed; CI installs it.
 *
 * <p>Longer runs: {@code -Dpostino.dmarc.cases=N -Dpostino.dmarc.seed=S}; {@code -Dpostino.dmarc.showDifferences=true}
 * prints the cases where the two RFCs differ, with both answers and Mail::DMARC's.
 */
class DmarcMailDmarcConformanceTest {

    private static final int CASES = Integer.getInteger("postino.dmarc.cases", 3000);
    private static final long SEED = Long.getLong("postino.dmarc.seed", 9989L);

    @TempDir
    Path work;

    /** An answer: result and disposition, lowercase; or what went wrong. */
    private record Answer(String result, String disposition) {

        static Answer of(DmarcResult r) {
            return new Answer(r.verdict().keyword(), r.disposition().keyword());
        }
    }

    /**
     * Mail::DMARC's departures from both RFCs, recognised from the records it reads (the Author Domain's, else the
     * Organizational Domain's by the Public Suffix List): a case that shows one may disagree for that reason.
     */
    static String knownDeparture(DmarcCase c) {
        List<String> here = new ArrayList<>(c.txt(c.from()));
        if (!c.from().equals(c.org())) {
            here.addAll(c.txt(c.org()));
        }
        if (here.stream().anyMatch(t -> t.startsWith("v=dmarc1"))) {
            return "Mail::DMARC reads a record that starts with v=dmarc1; both RFCs ask for exactly v=DMARC1";
        }
        List<String> own = c.txt(c.from()).stream().filter(t -> t.toLowerCase(Locale.ROOT).startsWith("v=dmarc1")).toList();
        List<String> used = own.isEmpty() ? c.txt(c.org()).stream()
            .filter(t -> t.toLowerCase(Locale.ROOT).startsWith("v=dmarc1")).toList() : own;
        if (used.size() != 1) {
            return null;
        }
        Map<String, String> tags = new HashMap<>();
        for (String tag : used.get(0).split(";")) {
            int eq = tag.indexOf('=');
            if (eq > 0) {
                tags.put(tag.substring(0, eq).strip(), tag.substring(eq + 1).strip());
            }
        }
        boolean validRua = tags.getOrDefault("rua", "").startsWith("mailto:");
        if (validRua && tags.containsKey("p") && DmarcPolicy.parse(tags.get("p")).isEmpty()) {
            return "Mail::DMARC applies no policy to a record with an invalid p= and a valid rua; both RFCs read it as p=none";
        }
        if (validRua && tags.containsKey("sp") && DmarcPolicy.parse(tags.get("sp")).isEmpty()) {
            return "Mail::DMARC keeps an invalid sp= when a valid rua makes the record p=none, and fails on it";
        }
        return null;
    }

    @Test
    void agreesWithMailDmarcWhereRfc7489AndRfc9989Agree() throws Exception {
        assumeTrue(mailDmarcInstalled(), "perl Mail::DMARC (Debian libmail-dmarc-perl) is not installed");
        List<DmarcCase> cases = DmarcCaseGenerator.generate(SEED, CASES);
        try (TestDnsServer dns = TestDnsServer.start()) {
            for (DmarcCase c : cases) {
                for (DnsEntry entry : c.dns()) {
                    if (entry.txt() == null) {
                        dns.add(entry.name() + ". 300 IN A 192.0.2.1");
                    } else {
                        dns.addTxt(entry.name(), entry.txt());
                    }
                }
            }
            Map<Integer, Answer> rfc9989 = new HashMap<>();
            Map<Integer, Answer> rfc7489 = new HashMap<>();
            try (DnsClient client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
                .withQueryTimeout(Duration.ofSeconds(2)).withRetries(1))) {
                DmarcEvaluator current = new DmarcEvaluator(client, DmarcOptions.defaults());
                DmarcEvaluator legacy = new DmarcEvaluator(client, DmarcOptions.defaults().withMode(DmarcOptions.Mode.RFC7489));
                for (DmarcCase c : cases) {
                    List<String> from = List.of(" a@" + c.from());
                    CompletableFuture<DmarcResult> a = current.evaluate(from, c.identifiers());
                    CompletableFuture<DmarcResult> b = legacy.evaluate(from, c.identifiers());
                    rfc9989.put(c.id(), Answer.of(a.join()));
                    rfc7489.put(c.id(), Answer.of(b.join()));
                }
            }
            Map<Integer, Answer> theirs = mailDmarc(cases, dns.port());

            int comparable = 0;
            int agreeing = 0;
            int dispositionAgreeing = 0;
            int departures = 0;
            int agreeingWithoutDepartures = 0;
            int legacyAgreeing = 0;
            Map<String, List<String>> disagreements = new TreeMap<>();
            for (DmarcCase c : cases) {
                Answer md = theirs.get(c.id());
                Answer ours = rfc9989.get(c.id());
                if (md.equals(rfc7489.get(c.id()))) {
                    legacyAgreeing++;
                }
                if (!ours.equals(rfc7489.get(c.id()))) {
                    if (Boolean.getBoolean("postino.dmarc.showDifferences")) {
                        System.out.println("RFC 9989 " + ours + ", RFC 7489 " + rfc7489.get(c.id()) + ", Mail::DMARC " + md
                            + ": " + c.describe());
                    }
                    continue; // the RFCs differ here; RFC 9989's rules are tested on their own (DmarcEvaluatorTest)
                }
                comparable++;
                String departure = knownDeparture(c);
                departures += departure == null ? 0 : 1;
                dispositionAgreeing += md.disposition().equals(ours.disposition()) ? 1 : 0;
                if (md.equals(ours)) {
                    agreeing++;
                    agreeingWithoutDepartures += departure == null ? 1 : 0;
                    continue;
                }
                String why = departure != null ? departure : "UNEXPLAINED";
                disagreements.computeIfAbsent(why + ": ours " + ours.result() + "/" + ours.disposition()
                    + ", Mail::DMARC " + md.result() + "/" + md.disposition(), k -> new ArrayList<>()).add(c.describe());
            }
            int withoutDepartures = comparable - departures;
            StringBuilder report = new StringBuilder(String.format(
                "DMARC vs Mail::DMARC (seed %d): %d cases, %d where RFC 7489 and RFC 9989 agree.%n"
                    + "  result and disposition agree: %d/%d = %.2f%% (disposition alone: %.2f%%)%n"
                    + "  leaving out the %d cases that show a Mail::DMARC departure from both RFCs: %d/%d = %.2f%%%n"
                    + "  our RFC 7489 mode vs Mail::DMARC on every case: %d/%d = %.2f%%%n",
                SEED, cases.size(), comparable, agreeing, comparable, percent(agreeing, comparable),
                percent(dispositionAgreeing, comparable), departures, agreeingWithoutDepartures, withoutDepartures,
                percent(agreeingWithoutDepartures, withoutDepartures), legacyAgreeing, cases.size(),
                percent(legacyAgreeing, cases.size())));
            disagreements.forEach((kind, list) -> {
                report.append(String.format("  %d x %s%n", list.size(), kind));
                list.stream().limit(2).forEach(d -> report.append("      ").append(d).append('\n'));
            });
            System.out.print(report);
            assertThat(comparable).as("the cases must mostly be ones where the RFCs agree").isGreaterThan(cases.size() / 2);
            assertThat(disagreements.keySet()).as(report.toString()).noneMatch(k -> k.startsWith("UNEXPLAINED"));
            assertThat(percent(agreeingWithoutDepartures, withoutDepartures)).as(report.toString()).isGreaterThanOrEqualTo(99.0);
        }
    }

    private static double percent(int part, int whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    private static boolean mailDmarcInstalled() {
        try {
            Process perl = new ProcessBuilder("perl", "-MMail::DMARC::PurePerl", "-MJSON::PP", "-MNet::DNS::Resolver", "-e", "1")
                .redirectErrorStream(true).start();
            perl.getInputStream().readAllBytes();
            return perl.waitFor(30, TimeUnit.SECONDS) && perl.exitValue() == 0;
        } catch (IOException | InterruptedException notThere) {
            return false;
        }
    }

    /** Runs the oracle script once over every case. */
    private Map<Integer, Answer> mailDmarc(List<DmarcCase> cases, int port) throws Exception {
        Path input = work.resolve("cases.jsonl");
        StringBuilder lines = new StringBuilder();
        for (DmarcCase c : cases) {
            lines.append("{\"id\":").append(c.id()).append(",\"from\":\"").append(c.from())
                .append("\",\"spf\":{\"domain\":\"").append(c.spfDomain()).append("\",\"result\":\"")
                .append(c.spf().keyword()).append("\"},\"dkim\":[");
            for (int k = 0; k < c.dkim().size(); k++) {
                lines.append(k == 0 ? "" : ",").append("{\"domain\":\"").append(c.dkim().get(k).domain())
                    .append("\",\"result\":\"").append(c.dkim().get(k).verdict().word()).append("\"}");
            }
            lines.append("]}\n");
        }
        Files.writeString(input, lines);
        Path script = Path.of(getClass().getResource("/dmarc/mail-dmarc-oracle.pl").toURI());
        Process perl = new ProcessBuilder("perl", script.toString(), String.valueOf(port))
            .redirectInput(input.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<Integer, Answer> answers = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(perl.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Map<?, ?> answer = (Map<?, ?>) Json.read(line);
                int id = ((Number) answer.get("id")).intValue();
                Object error = answer.get("error");
                if (error != null) {
                    answers.put(id, new Answer("error", String.valueOf(error).replaceAll(" at /.*", "")));
                    continue;
                }
                String result = (String) answer.get("result");
                String disposition = (String) answer.get("disposition");
                String reasons = String.valueOf(answer.get("reasons"));
                // Mail::DMARC starts from "fail" and keeps it when it then applies no policy at all: that is
                // RFC 8601's "none" (no policy record applies), which is what it is compared as
                boolean noPolicy = Integer.valueOf(0).equals(((Number) answer.get("published")).intValue())
                    || reasons.contains("no valid rua") || reasons.contains("too many policies");
                if (result.equals("fail") && disposition.equals("none") && noPolicy) {
                    result = "none";
                }
                answers.put(id, new Answer(result, disposition));
            }
        }
        assertThat(perl.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(answers).as("an answer per case").hasSize(cases.size());
        return answers;
    }
}
