package dev.postino.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.Notification;
import dev.postino.core.dsn.NotificationComposer;
import dev.postino.core.dsn.NotificationLanguage;
import dev.postino.core.dsn.NotificationSettings;
import dev.postino.core.dsn.NotificationTexts;
import dev.postino.core.dsn.OriginalEnvelope;
import dev.postino.core.dsn.OriginalMessage;
import dev.postino.core.dsn.ReturnContent;

/**
 * {@code postino ndr}: writes to standard output the whole delivery status notification (RFC 5322, CRLF line
 * ends) that the bounce mailet would send for a message, so that an administrator can preview any status in
 * any language. Beyond the contract: {@code --sender} (default: the message's Return-Path, else its From) and
 * {@code --templates DIR} (a folder of overriding texts and layouts, as the mailet's {@code templates}).
 */
final class NdrCommand implements Command {

    private static final Pattern ANGLE_ADDRESS = Pattern.compile("<([^<>\\s]+@[^<>\\s]+)>");
    private static final Pattern BARE_ADDRESS = Pattern.compile("([^<>\\s,;:\"]+@[^<>\\s,;:\"]+)");

    private final Clock clock;

    NdrCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "ndr";
    }

    @Override
    public String usage() {
        return "postino ndr --recipient ADDR [--recipient ADDR ...] --status X.Y.Z [--action failed|delayed|delivered|relayed]"
            + " [--diagnostic \"SMTP reply text\"] [--remote-mta HOST] [--lang TAG] [--ret full|hdrs] [--reporting-mta HOST]"
            + " [--envid ID] [--sender ADDR] [--templates DIR] FILE";
    }

    static Set<String> valuedOptions() {
        return Set.of("recipient", "status", "action", "diagnostic", "remote-mta", "lang", "ret", "reporting-mta", "envid",
            "sender", "templates");
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        if (arguments.positionals().size() != 1) {
            throw new UsageException("expected one message FILE (or - for standard input)");
        }
        List<String> recipients = arguments.values("recipient");
        if (recipients.isEmpty()) {
            throw new UsageException("--recipient is required");
        }
        DeliveryAction action = parse("action", arguments.value("action") == null ? "failed" : arguments.value("action"), DeliveryAction::fromWord);
        if (action == DeliveryAction.EXPANDED) {
            throw new UsageException("--action: expected failed, delayed, delivered or relayed");
        }
        EnhancedStatusCode status = parse("status", arguments.required("status"), EnhancedStatusCode::parse);
        checkFits(action, status);
        ReturnContent ret = arguments.value("ret") == null ? null : parse("ret", arguments.value("ret"), ReturnContent::fromWord);
        String reportingMta = arguments.value("reporting-mta") == null ? LocalHostName.get() : arguments.value("reporting-mta");
        NotificationSettings settings = parse("reporting-mta", reportingMta, NotificationSettings::defaults);
        String templates = arguments.value("templates");
        NotificationTexts texts = parse("templates", templates, t -> NotificationTexts.load(t == null ? null : Path.of(t)));

        byte[] raw = Arguments.readMessage(arguments.positionals().get(0), terminal.in());
        OriginalMessage original = OriginalMessage.parse(raw);
        String sender = arguments.value("sender") != null ? arguments.value("sender") : senderOf(original);
        if (sender == null || sender.isBlank()) {
            throw new UsageException("the message has no Return-Path or From address to notify; give --sender");
        }
        List<String> languages;
        if (arguments.value("lang") != null) {
            languages = NotificationLanguage.parseList(arguments.value("lang"));
            for (String language : languages) {
                if (!texts.languages().contains(language)) {
                    throw new UsageException("--lang: no texts for '" + language + "'; available: " + String.join(", ", texts.languages()));
                }
            }
            if (languages.isEmpty()) {
                throw new UsageException("--lang: '" + arguments.value("lang") + "' is not a language tag such as it or it,en");
            }
        } else {
            languages = NotificationLanguage.withDefaults(List.of("en")).choose(sender, original, texts.languages());
        }

        Instant now = clock.instant();
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (String recipient : recipients) {
            outcomes.add(new DeliveryOutcome(recipient, null, action, status, arguments.value("remote-mta"),
                arguments.value("diagnostic"), now, null));
        }
        OriginalEnvelope envelope = new OriginalEnvelope(sender, arguments.value("envid"), ret, now, false);
        NotificationComposer composer = new NotificationComposer(settings, texts, clock, () -> UUID.randomUUID().toString());
        Notification notification = composer.compose(raw, envelope, outcomes, languages);
        terminal.out().write(notification.message());
        terminal.out().flush();
        return 0;
    }

    /** RFC 3464's actions need status classes that match: a failure after transient errors keeps its 4.x.x. */
    private static void checkFits(DeliveryAction action, EnhancedStatusCode status) throws UsageException {
        boolean fits = switch (action) {
            case FAILED -> status.isFailure();
            case DELAYED -> status.statusClass() == 4;
            default -> status.statusClass() == 2;
        };
        if (!fits) {
            throw new UsageException("--status " + status + " does not fit --action " + action.word() + ": expected "
                + (action == DeliveryAction.FAILED ? "5.x.x or 4.x.x" : action == DeliveryAction.DELAYED ? "4.x.x" : "2.x.x"));
        }
    }

    /** The envelope sender as the message carries it: Return-Path, else the From address. */
    static String senderOf(OriginalMessage original) {
        String returnPath = original.header("Return-Path");
        if (returnPath != null) {
            Matcher m = ANGLE_ADDRESS.matcher(returnPath);
            if (m.find()) {
                return m.group(1);
            }
        }
        String from = original.header("From");
        if (from == null) {
            return null;
        }
        Matcher m = ANGLE_ADDRESS.matcher(from);
        if (m.find()) {
            return m.group(1);
        }
        m = BARE_ADDRESS.matcher(from);
        return m.find() ? m.group(1) : null;
    }


    private static <T> T parse(String option, String text, Function<String, T> parser) throws UsageException {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + option + ": " + e.getMessage());
        }
    }
}
