package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Postino.run(List.of(args), new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String rules(String text) throws Exception {
        Path file = dir.resolve("retry-rules.conf");
        Files.writeString(file, text);
        return file.toString();
    }

    /** {@code postino retry explain --json} for a message that arrived at 2026-01-01T00:00:00Z, plus {@code more} options. */
    private int explainJson(String file, String domain, String error, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("retry", "explain", "--rules", file, "--domain", domain, "--error", error,
            "--arrived", "2026-01-01T00:00:00Z", "--json"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void explainsATemporaryFailureAsJson() throws Exception {
        String file = rules("""
            # greylisting
            *  4.7.*  F,1h,20m; F,3h,1h
            *  *      F,1d,1h
            """);

        int status = explainJson(file, "example.com", "451 4.7.1 Greylisted, try again");

        // Every 20m while within the 1h cutoff: the failure at 1:00 is still within it, so 1:20; then hourly from
        // 1:20: 2:20, and 3:20, which is past the 3h cutoff and gives up.
        assertThat(status).isZero();
        assertThat(stderr()).isEmpty();
        assertThat(stdout()).isEqualTo("{\"rule\": \"*  4.7.*  F,1h,20m; F,3h,1h\", "
            + "\"attempts\": [\"2026-01-01T00:20:00Z\", \"2026-01-01T00:40:00Z\", \"2026-01-01T01:00:00Z\", "
            + "\"2026-01-01T01:20:00Z\", \"2026-01-01T02:20:00Z\", \"2026-01-01T03:20:00Z\"], "
            + "\"warnings\": [], \"gives_up\": \"2026-01-01T03:20:00Z\", \"final_status\": \"4.4.7\"}"
            + System.lineSeparator());
    }

    @Test
    void defaultRuleListsTheDelayWarnings() throws Exception {
        String file = rules("example.com quota F,1h,10m\n");

        int status = explainJson(file, "other.example", "421 4.4.2 timeout");

        assertThat(status).isZero();
        assertThat(stdout()).startsWith("{\"rule\": \"* * F,2h,15m; G,16h,1h,1.5; F,4d,6h\", \"attempts\": [\"2026-01-01T00:15:00Z\", ")
            .contains("\"warnings\": [\"2026-01-01T04:45:00Z\", \"2026-01-02T05:01:52Z\"]")
            .endsWith("\"gives_up\": \"2026-01-05T05:01:52Z\", \"final_status\": \"4.4.7\"}" + System.lineSeparator());
    }

    @Test
    void permanentErrorHasNoAttemptsAndGivesUpAtArrival() throws Exception {
        String file = rules("* * F,1d,1h\n");

        // The later --arrived wins, as for every repeated option.
        int status = explainJson(file, "example.com", "550 5.1.1 No such user", "--arrived", "2026-03-01T12:00:00+01:00");

        assertThat(status).isZero();
        assertThat(stdout()).isEqualTo("{\"rule\": \"* * F,1d,1h\", \"attempts\": [], \"warnings\": [], "
            + "\"gives_up\": \"2026-03-01T11:00:00Z\", \"final_status\": \"5.1.1\"}" + System.lineSeparator());
    }

    @Test
    void badRulesFileIsOneLineNamingTheLineAndTheProblem() throws Exception {
        String file = rules("# rules\n*  *  F,2h,15m\nexample.com  rcpt_4x2  F,1h,10m\n");

        int status = run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "451 later", "--json");

        assertThat(status).isEqualTo(2);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).isEqualTo("postino retry: " + file + ": line 3: unknown error 'rcpt_4x2': only the last digits may be x,"
            + " as in rcpt_4xx or rcpt_45x in \"example.com  rcpt_4x2  F,1h,10m\"" + System.lineSeparator());
    }

    @Test
    void missingRulesFileIsAnInputError() {
        int status = run("retry", "explain", "--rules", dir.resolve("absent.conf").toString(), "--domain", "example.com",
            "--error", "451 later");

        assertThat(status).isEqualTo(2);
        assertThat(stderr()).isEqualTo("postino retry: no such file: " + dir.resolve("absent.conf") + System.lineSeparator());
    }

    @Test
    void arrivedMustBeIsoWithAZone() throws Exception {
        String file = rules("");

        int status = run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "451 later",
            "--arrived", "2026-01-01T00:00:00");

        assertThat(status).isEqualTo(2);
        assertThat(stderr()).startsWith("postino retry: --arrived: '2026-01-01T00:00:00' is not an ISO-8601 time with a zone");
    }

    @Test
    void arrivedDefaultsToNow() throws Exception {
        String file = rules("* * F,1h,15m\n");
        Instant before = Instant.now().minusSeconds(1);

        int status = run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "451 later", "--json");

        assertThat(status).isZero();
        String givesUp = stdout().replaceAll("(?s).*\"gives_up\": \"([^\"]+)\".*", "$1");
        // F,1h,15m gives up at the fifth retry, 1h15m after arrival.
        assertThat(Instant.parse(givesUp)).isAfterOrEqualTo(before.plusSeconds(75 * 60)).isBefore(Instant.now().plusSeconds(75 * 60 + 1));
    }

    @Test
    void phaseAndFailuresWithoutReplySelectTheirRules() throws Exception {
        String file = rules("""
            *  mail_4xx  F,1h,30m
            *  refused   F,2h,1h
            """);

        explainJson(file, "example.com", "451 later", "--phase", "mail");
        explainJson(file, "example.com", "refused");
        explainJson(file, "example.com", "451 later");

        String[] lines = stdout().split(System.lineSeparator());
        assertThat(lines[0]).startsWith("{\"rule\": \"*  mail_4xx  F,1h,30m\"");
        assertThat(lines[1]).startsWith("{\"rule\": \"*  refused   F,2h,1h\"");
        assertThat(lines[2]).startsWith("{\"rule\": \"* * F,2h,15m; G,16h,1h,1.5; F,4d,6h\"");
    }

    @Test
    void nullSenderHasTheShorterLifetime() throws Exception {
        String file = rules("* * F,4d,1d\n");

        explainJson(file, "example.com", "451 later", "--sender", "");

        // Retries at 1d and 2d are within the 2-day lifetime; the failure at 3d gives up.
        assertThat(stdout()).contains("\"attempts\": [\"2026-01-02T00:00:00Z\", \"2026-01-03T00:00:00Z\", \"2026-01-04T00:00:00Z\"]")
            .contains("\"gives_up\": \"2026-01-04T00:00:00Z\"");
    }

    @Test
    void peopleReadTheRuleItsLineAndEachRetry() throws Exception {
        String file = rules("\nexample.com * F,30m,15m\n");

        int status = run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "452 4.2.2 Mailbox full",
            "--arrived", "2026-01-01T00:00:00Z");

        assertThat(status).isZero();
        assertThat(stdout()).contains("rule:     example.com * F,30m,15m  (" + file + " line 2)")
            .contains("error:    452 4.2.2 Mailbox full (rcpt): temporary")
            .contains("retry   1 2026-01-01T00:15:00Z  (+15m, 15m after arrival)")
            .contains("retry   3 2026-01-01T00:45:00Z  (+15m, 45m after arrival)")
            .contains("gives up: 2026-01-01T00:45:00Z  (45m after arrival, retry timeout), status 4.4.7");
    }

    @Test
    void usageErrors() throws Exception {
        String file = rules("");

        assertThat(run("retry", "--rules", file, "--domain", "example.com", "--error", "451 x")).isEqualTo(2);
        assertThat(run("retry", "explain", "--rules", file, "--error", "451 x")).isEqualTo(2);
        assertThat(run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "250 ok")).isEqualTo(2);
        assertThat(run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "later")).isEqualTo(2);
        assertThat(run("retry", "explain", "--rules", file, "--domain", "example.com", "--error", "451 x", "--phase", "quit")).isEqualTo(2);
        assertThat(stderr()).contains("expected the subcommand 'explain'").contains("--domain is required")
            .contains("--error: 250 is not a failure").contains("--error: 'later' is not an SMTP reply")
            .contains("--phase: unknown SMTP phase 'quit'").contains("usage: postino retry explain --rules FILE");
        assertThat(stdout()).isEmpty();
    }
}
