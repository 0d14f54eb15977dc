package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * Every message of the vendored Sisimai sample (src/test/resources/bounce/corpus, see its README) against the
 * rows Sisimai's own tests expect: every bounce detected, every non-bounce not, and at least 95% of recipient rows
 * with Sisimai's reason and hard flag. Rows we miss are listed with why in known-misses.tsv; a miss not listed
 * there fails the test, so a regression shows at once.
 */
class BounceCorpusTest {

    record Row(String file, String recipient, String status, String reason, boolean hard, boolean bounce,
               List<String> also) {
        String key() {
            return file + "\t" + recipient;
        }
    }

    static byte[] resource(String path) {
        try (InputStream in = BounceCorpusTest.class.getResourceAsStream("/bounce/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource bounce/" + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Row> expectedRows() {
        List<Row> rows = new ArrayList<>();
        boolean header = true;
        for (String line : new String(resource("corpus/expected.tsv"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] c = line.split("\t", -1);
            List<String> also = c[8].equals("-") ? List.of() : List.of(c[8].split(","));
            rows.add(new Row(c[0], c[1], c[2], c[3], Boolean.parseBoolean(c[4]), Boolean.parseBoolean(c[5]), also));
        }
        return rows;
    }

    static Map<String, String> knownMisses() {
        Map<String, String> misses = new LinkedHashMap<>();
        for (String line : new String(resource("known-misses.tsv"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t", -1);
            misses.put(c[0] + "\t" + c[1], c.length > 2 ? c[2] : "");
        }
        return misses;
    }

    /** What the reader got for one expected row, or why it did not. */
    static String verdict(Row row, BounceReport report) {
        if (report.bounce() != row.bounce()) {
            return "bounce " + report.bounce() + ", expected " + row.bounce();
        }
        if (row.recipient().equals("-")) {
            return "";
        }
        BouncedRecipient got = null;
        for (BouncedRecipient r : report.recipients()) {
            String a = r.address().toLowerCase(Locale.ROOT);
            if (row.recipient().equals("*") || a.equals(row.recipient().toLowerCase(Locale.ROOT))
                    || row.also().stream().anyMatch(x -> x.equalsIgnoreCase(a))) {
                got = r;
                break;
            }
        }
        if (got == null) {
            List<String> addresses = report.recipients().stream().map(BouncedRecipient::address).toList();
            return "recipient not found (got " + addresses + ", kind " + report.kind().word() + ")";
        }
        if (!got.reason().word().equals(row.reason()) || got.hard() != row.hard()) {
            return "got " + got.reason().word() + "/" + got.hard() + " " + got.status() + ", expected "
                    + row.reason() + "/" + row.hard() + " " + row.status() + " [" + abbreviated(got.diagnostic()) + "]";
        }
        return "";
    }

    private static String abbreviated(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    @Test
    void readsSisimaisSampleAsSisimaiDoes() {
        List<Row> rows = expectedRows();
        Map<String, String> known = knownMisses();
        Map<String, BounceReport> reports = new TreeMap<>();
        int right = 0;
        List<String> unexpected = new ArrayList<>();
        List<String> nowPassing = new ArrayList<>();
        Set<String> bounceVerdictsWrong = new LinkedHashSet<>();
        for (Row row : rows) {
            BounceReport report = reports.computeIfAbsent(row.file(), f -> BounceReader.read(resource("corpus/" + f)));
            String why = verdict(row, report);
            if (report.bounce() != row.bounce()) {
                bounceVerdictsWrong.add(row.file() + ": " + why);
            }
            if (why.isEmpty()) {
                right++;
                if (known.containsKey(row.key())) {
                    nowPassing.add(row.key());
                }
            } else if (!known.containsKey(row.key())) {
                unexpected.add(row.key() + "\t" + why);
            }
        }
        if (!nowPassing.isEmpty()) {
            System.out.println("BounceCorpusTest: rows listed in known-misses.tsv that now pass (remove them): "
                    + nowPassing);
        }
        System.out.printf("BounceCorpusTest: %d of %d rows right (reason and hard), %.1f%%%n", right, rows.size(),
                100.0 * right / rows.size());
        assertThat(unexpected).as("rows missed that known-misses.tsv does not list").isEmpty();
        assertThat(bounceVerdictsWrong).as("messages whose bounce verdict is wrong").isEmpty();
        assertThat(right * 100.0 / rows.size()).as("share of rows right").isGreaterThanOrEqualTo(95.0);
    }
}
