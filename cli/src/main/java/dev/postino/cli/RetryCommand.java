package dev.postino.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.postino.core.retry.DeliveryFailure;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.retry.RetryPlan;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRuleSyntaxException;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.retry.TimeInterval;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/**
 * {@code postino retry explain}: what the retry rules in a file do with a message to a domain that keeps
 * failing the same way, with the same engine the delivery mailet runs. Beyond the contract's flags:
 * {@code --phase} (the SMTP phase of the failure; default {@code rcpt} for a reply), {@code --error} also takes a
 * failure without a reply ({@code timeout}, {@code refused}, {@code dns}, whose phase defaults to {@code connect};
 * {@code tls}, to {@code starttls}; {@code lost_connection}, to {@code end-of-data}),
 * {@code --sender ""} for a bounce's shorter queue lifetime, and {@code --seed} for H schedules' random draws
 * (default 0, so the output is reproducible).
 */
final class RetryCommand implements Command {

    @Override
    public String name() {
        return "retry";
    }

    @Override
    public String usage() {
        return "postino retry explain --rules FILE --domain DOMAIN --error \"451 4.7.1 reply text\" [--arrived ISO-8601]"
            + " [--phase rcpt|mail|data|end-of-data|...] [--sender ADDR] [--seed N] [--json]";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        if (!arguments.positionals().equals(List.of("explain"))) {
            throw new UsageException("expected the subcommand 'explain'");
        }
        String file = arguments.required("rules");
        RetryRules rules = rules(file);
        String domain = arguments.required("domain").strip();
        if (domain.isEmpty()) {
            throw new UsageException("--domain needs a domain");
        }
        DeliveryFailure failure = failure(arguments.required("error"), arguments.value("phase"));
        Instant arrived = arrived(arguments.value("arrived"));
        String sender = arguments.value("sender");
        boolean nullSender = sender != null && (sender.isBlank() || sender.strip().equals("<>"));
        RetryPolicy policy = RetryPolicy.of(rules).withRandom(new Random(seed(arguments.value("seed"))));

        RetryPlan plan = policy.plan(domain, failure, arrived, nullSender);

        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("rule", plan.rule().text());
            json.put("attempts", plan.attempts().stream().map(Instant::toString).toList());
            json.put("warnings", plan.warnings().stream().map(Instant::toString).toList());
            json.put("gives_up", plan.truncated() ? null : plan.givesUp().toString());
            json.put("final_status", plan.truncated() ? null : plan.finalStatus().toString());
            if (plan.truncated()) {
                json.put("truncated", true);
            }
            terminal.out().println(Json.write(json));
        } else {
            printForPeople(plan, file, failure, arrived, terminal);
        }
        return 0;
    }

    private static void printForPeople(RetryPlan plan, String file, DeliveryFailure failure, Instant arrived, Terminal terminal) {
        var out = terminal.out();
        out.println("rule:     " + plan.rule().text() + (plan.rule().lineNumber() == 0 ? "  (built-in default: no rule in "
            + file + " matched)" : "  (" + file + " line " + plan.rule().lineNumber() + ")"));
        out.println("error:    " + failure + (failure.isPermanent() ? ": permanent, never retried" : ": temporary"));
        out.println("arrived:  " + arrived + "  (first attempt, failed)");
        Instant previous = arrived;
        int n = 0;
        for (Instant attempt : plan.attempts()) {
            n++;
            String warned = plan.warnings().contains(attempt) ? "  + delay warning" : "";
            out.printf(Locale.ROOT, "retry %3d %s  (+%s, %s after arrival)%s%n", n, attempt,
                TimeInterval.format(Duration.between(previous, attempt)), TimeInterval.format(Duration.between(arrived, attempt)), warned);
            previous = attempt;
        }
        if (plan.truncated()) {
            out.println("... more than " + RetryPolicy.MAX_PLANNED_ATTEMPTS + " retries: not listed further");
        } else {
            out.println("gives up: " + plan.givesUp() + "  (" + TimeInterval.format(Duration.between(arrived, plan.givesUp()))
                + " after arrival, " + plan.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + "), status "
                + plan.finalStatus());
        }
    }

    private static RetryRules rules(String file) throws UsageException, IOException {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("no such file: " + file, false);
        }
        try {
            return RetryRules.parse(text);
        } catch (RetryRuleSyntaxException e) {
            throw new UsageException(file + ": " + e.getMessage(), false);
        }
    }

    /** A reply line, or the name of a failure without a reply; the phase defaults to where such a failure usually happens. */
    static DeliveryFailure failure(String error, String phaseOption) throws UsageException {
        SmtpPhase phase = null;
        if (phaseOption != null) {
            try {
                phase = SmtpPhase.parse(phaseOption);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--phase: " + e.getMessage());
            }
        }
        String word = error.strip().toLowerCase(Locale.ROOT);
        FailureClass failureClass = switch (word) {
            case "timeout" -> FailureClass.TIMEOUT;
            case "refused" -> FailureClass.REFUSED;
            case "lost_connection" -> FailureClass.LOST_CONNECTION;
            case "dns" -> FailureClass.DNS;
            case "tls" -> FailureClass.TLS;
            default -> FailureClass.REPLY;
        };
        if (failureClass != FailureClass.REPLY) {
            SmtpPhase usual = switch (failureClass) {
                case TLS -> SmtpPhase.STARTTLS;
                case LOST_CONNECTION -> SmtpPhase.END_OF_DATA;
                default -> SmtpPhase.CONNECT;
            };
            return DeliveryFailure.withoutReply(phase != null ? phase : usual, failureClass);
        }
        SmtpReply reply;
        try {
            reply = SmtpReply.parse(error);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--error: " + e.getMessage() + ", or one of timeout, refused, lost_connection, dns, tls");
        }
        if (!reply.isTransient() && !reply.isPermanent()) {
            throw new UsageException("--error: " + reply.code() + " is not a failure: expected a 4xx or 5xx reply");
        }
        return DeliveryFailure.reply(phase != null ? phase : SmtpPhase.RCPT, reply);
    }

    private static Instant arrived(String text) throws UsageException {
        if (text == null) {
            return Instant.now().truncatedTo(ChronoUnit.SECONDS);
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw new UsageException("--arrived: '" + text + "' is not an ISO-8601 time with a zone: expected, e.g., 2026-11-22T10:00:00Z"
                + " or 2026-11-22T11:00:00+01:00");
        }
    }

    private static long seed(String text) throws UsageException {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--seed: '" + text + "' is not a whole number");
        }
    }

    static Set<String> valuedOptions() {
        return Set.of("rules", "domain", "error", "arrived", "phase", "sender", "seed");
    }
}
