package dev.postino.core.dsn;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Composes delivery status notifications (RFC 3464) from the original message, its envelope and what
 * happened to each recipient: a {@code multipart/report} with a human part ({@code multipart/alternative},
 * text and HTML, in the chosen languages), the {@code message/delivery-status} part, and the original or its
 * header as RET (RFC 3461) and the size limit allow. RFC 6533's types are used only where needed: the status part
 * (and the report type) is {@code global-delivery-status} only when a reported address is not ASCII, since the bounce
 * parsers of list managers read {@code message/delivery-status} alone; the returned original is {@code message/global}
 * (or {@code message/global-headers}) when it used SMTPUTF8 or has UTF-8 in its header.
 *
 * <p>Nothing that comes from the sender or a remote server can leave the place it is put in: values are
 * flattened to one line in header and status fields, encoded per RFC 2047 in headers, HTML-escaped in the
 * HTML part, and the text parts are quoted-printable.
 */
public final class NotificationComposer {

    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s\"]+@[^<>\\s\"]+>");
    /** Longest remote reply kept: multi-line replies are joined, and no server needs more to explain itself. */
    private static final int MAX_REPLY = 2000;
    private static final int MAX_SUBJECT = 200;
    private static final int MAX_REFERENCES = 20;
    /** RFC 3464 §2.3.6 diagnostic-type for what happened when no server replied. */
    static final String DIAGNOSTIC_TYPE = "x-postino";
    private static final Pattern SMTP_REPLY = Pattern.compile("[2-5]\\d\\d([ -].*)?", Pattern.DOTALL);
    /** Causes that are retried and may end a delivery: each has texts for its delay and for giving up on it. */
    private static final Set<String> RETRIED_CAUSES = Set.of("mailboxfull", "noanswer", "refused", "dns", "tls");
    /** Causes that only ever describe a delay: their advice already says there is nothing to do. */
    private static final Set<String> DELAY_ONLY_CAUSES = Set.of("greylist", "transient");

    private final NotificationSettings settings;
    private final NotificationTexts texts;
    private final Clock clock;
    private final Supplier<String> messageIds;

    /**
     * @param messageIds makes the unique part of each notification's Message-ID (without {@code <>} and domain)
     */
    public NotificationComposer(NotificationSettings settings, NotificationTexts texts, Clock clock, Supplier<String> messageIds) {
        this.settings = settings;
        this.texts = texts;
        this.clock = clock;
        this.messageIds = messageIds;
    }

    /** The built-in texts, the system clock and random Message-IDs. */
    public static NotificationComposer create(NotificationSettings settings, NotificationTexts texts) {
        return new NotificationComposer(settings, texts, Clock.systemDefaultZone(), () -> UUID.randomUUID().toString());
    }

    /**
     * Composes the notification about {@code outcomes} for {@code original}.
     *
     * @param languages the languages to write it in, first first (see {@link NotificationLanguage})
     * @throws IllegalArgumentException when there is no outcome, the reverse-path is null, or a language has no texts
     */
    public Notification compose(byte[] original, OriginalEnvelope envelope, List<DeliveryOutcome> outcomes, List<String> languages) {
        return compose(original, envelope, outcomes, languages, Map.of());
    }

    /**
     * As {@link #compose(byte[], OriginalEnvelope, List, List)}, explaining the recipients in {@code suppressed} (by
     * lower-case address) as addresses on the suppression list: when and why they got there, until when.
     */
    public Notification compose(byte[] original, OriginalEnvelope envelope, List<DeliveryOutcome> outcomes, List<String> languages,
                                Map<String, SuppressionNotice> suppressed) {
        if (outcomes.isEmpty()) {
            throw new IllegalArgumentException("a notification needs at least one recipient outcome");
        }
        if (envelope.hasNullReversePath()) {
            throw new IllegalArgumentException("no notification is ever sent to the null reverse-path");
        }
        if (languages.isEmpty()) {
            throw new IllegalArgumentException("a notification needs a language");
        }
        for (String language : languages) {
            if (!texts.languages().contains(language)) {
                throw new IllegalArgumentException("no texts for language '" + language + "'; available: " + String.join(", ", texts.languages()));
            }
        }
        OriginalMessage message = OriginalMessage.parse(original);
        List<Resolved> resolved = new ArrayList<>();
        for (DeliveryOutcome outcome : outcomes) {
            resolved.add(new Resolved(outcome, statusOf(outcome)));
        }
        String sender = HeaderText.flatten(envelope.reversePath(), 512).replaceAll("[<>\\s]", "");
        // RFC 6533 types only where they are needed: the status part is global only when a status field cannot be
        // ASCII, so the bounce parsers of list managers (which know message/delivery-status alone) still read it.
        boolean globalStatus = outcomes.stream().anyMatch(o -> !HeaderText.isAscii(o.finalRecipient())
            || o.originalRecipient() != null && !HeaderText.isAscii(o.originalRecipient()));
        boolean globalOriginal = globalStatus || envelope.smtpUtf8() || message.hasEightBitHeader() || !HeaderText.isAscii(sender);
        ReturnContent ret = envelope.returnContent() == null ? settings.defaultReturn() : envelope.returnContent();
        boolean whole = ret == ReturnContent.FULL && message.size() <= settings.maxReturnedSize();
        String returnedKey = whole ? "returned.full" : ret == ReturnContent.FULL ? "returned.truncated" : "returned.headers";

        ZonedDateTime now = ZonedDateTime.now(clock);
        String id = "<" + messageIds.get() + "@" + settings.reportingMta() + ">";
        String reportBoundary = boundary("report", id, message, whole);
        String alternativeBoundary = boundary("alt", id, message, whole);
        String first = languages.get(0);
        String subjectText = HeaderText.flatten(message.subject(), MAX_SUBJECT);
        DeliveryAction headline = headlineAction(resolved);

        StringBuilder head = new StringBuilder();
        field(head, "From", HeaderText.phrase(texts.text(first, "from.name")) + " <MAILER-DAEMON@" + settings.reportingMta() + ">");
        field(head, "To", "<" + sender + ">");
        field(head, "Subject", HeaderText.encode(texts.text(first, "subject." + headline.word(),
            Map.of("subject", subjectText.isEmpty() ? texts.text(first, "subject.none") : subjectText))));
        field(head, "Date", RFC5322_DATE.format(now));
        field(head, "Message-ID", id);
        String originalId = firstMessageId(message.header("Message-ID"));
        if (originalId != null) {
            field(head, "In-Reply-To", originalId);
            field(head, "References", references(message.header("References"), originalId));
        }
        field(head, "Auto-Submitted", "auto-replied");
        field(head, "Content-Language", String.join(", ", languages));
        field(head, "MIME-Version", "1.0");
        field(head, "Content-Type", "multipart/report; report-type=" + (globalStatus ? "global-delivery-status" : "delivery-status")
            + ";\r\n\tboundary=\"" + reportBoundary + "\"");

        Map<String, Object> model = humanModel(languages, resolved, envelope, subjectText, returnedKey, message.size(), suppressed);
        StringBuilder human = new StringBuilder();
        human.append("Content-Type: multipart/alternative; boundary=\"").append(alternativeBoundary).append("\"\r\n\r\n");
        human.append("--").append(alternativeBoundary).append("\r\n");
        textPart(human, "text/plain", texts.renderText(model));
        human.append("--").append(alternativeBoundary).append("\r\n");
        textPart(human, "text/html", texts.renderHtml(model));
        human.append("--").append(alternativeBoundary).append("--\r\n");

        ByteArrayOutputStream out = new ByteArrayOutputStream((whole ? message.size() : 0) + 16384);
        write(out, head.append("\r\n").append("This is a delivery status notification (RFC 3464) in MIME format.\r\n\r\n").toString());
        write(out, "--" + reportBoundary + "\r\n" + human + "\r\n");
        write(out, "--" + reportBoundary + "\r\n");
        write(out, "Content-Type: message/" + (globalStatus ? "global-delivery-status" : "delivery-status") + "\r\n");
        String status = deliveryStatus(envelope, resolved, globalStatus);
        write(out, (HeaderText.isAscii(status) ? "" : "Content-Transfer-Encoding: 8bit\r\n") + "\r\n" + status + "\r\n");
        write(out, "--" + reportBoundary + "\r\n");
        byte[] returned = whole ? message.bytes() : message.headerBytes();
        String type = whole ? (globalOriginal ? "message/global" : "message/rfc822")
            : (globalOriginal ? "message/global-headers" : "text/rfc822-headers");
        write(out, "Content-Type: " + type + "\r\n");
        if (message.hasEightBit(!whole)) {
            write(out, "Content-Transfer-Encoding: 8bit\r\n");
        }
        write(out, "\r\n");
        out.writeBytes(returned);
        if (returned.length > 0 && returned[returned.length - 1] != '\n') {
            write(out, "\r\n");
        }
        write(out, "\r\n--" + reportBoundary + "--\r\n");
        return new Notification(sender, List.copyOf(languages), out.toByteArray());
    }

    /**
     * The status reported for an outcome: its own, else the reply's, else the configured default for its
     * action. A reply with only a basic code maps to a bare {@code X.0.0}: the configured default of the same
     * class (e.g. 5.1.1 where only unknown users end up) says more, so it wins then.
     */
    EnhancedStatusCode statusOf(DeliveryOutcome outcome) {
        if (outcome.status() != null) {
            return outcome.status();
        }
        EnhancedStatusCode fallback = switch (outcome.action()) {
            case FAILED -> settings.defaultFailure();
            case DELAYED -> settings.defaultDelay();
            default -> new EnhancedStatusCode(2, 0, 0);
        };
        return EnhancedStatusCode.fromReply(outcome.remoteReply())
            .filter(code -> code.subject() != 0 || code.detail() != 0 || code.statusClass() != fallback.statusClass())
            .orElse(fallback);
    }

    private String deliveryStatus(OriginalEnvelope envelope, List<Resolved> resolved, boolean global) {
        StringBuilder status = new StringBuilder();
        field(status, "Reporting-MTA", "dns; " + settings.reportingMta());
        if (envelope.envelopeId() != null && !envelope.envelopeId().isBlank()) {
            field(status, "Original-Envelope-Id", machine(envelope.envelopeId(), 500, global));
        }
        if (envelope.arrivalDate() != null) {
            field(status, "Arrival-Date", date(envelope.arrivalDate()));
        }
        for (Resolved r : resolved) {
            DeliveryOutcome o = r.outcome;
            status.append("\r\n");
            String recipient = machine(o.finalRecipient(), 500, true);
            field(status, "Final-Recipient", (HeaderText.isAscii(recipient) ? "rfc822; " : "utf-8; ") + machine(recipient, 500, global));
            if (o.originalRecipient() != null && !o.originalRecipient().isBlank()) {
                field(status, "Original-Recipient", machine(originalRecipient(o.originalRecipient()).asField(), 500, global));
            }
            field(status, "Action", o.action().word());
            field(status, "Status", r.status.toString());
            if (o.remoteMta() != null && !o.remoteMta().isBlank()) {
                field(status, "Remote-MTA", "dns; " + machine(o.remoteMta(), 255, global));
            }
            String smtpReply = smtpReply(o);
            String diagnostic = diagnostic(o);
            if (smtpReply != null) {
                field(status, "Diagnostic-Code", "smtp; " + machine(smtpReply, MAX_REPLY, global));
            } else if (diagnostic != null) {
                // RFC 3464 §2.3.6: no SMTP reply to quote, so Postino's own diagnostic type says what happened
                field(status, "Diagnostic-Code", DIAGNOSTIC_TYPE + "; " + machine(diagnostic, MAX_REPLY, global));
            }
            if (o.lastAttempt() != null) {
                field(status, "Last-Attempt-Date", date(o.lastAttempt()));
            }
            if (o.action() == DeliveryAction.DELAYED && o.willRetryUntil() != null) {
                field(status, "Will-Retry-Until", date(o.willRetryUntil()));
            }
            if (o.remoteHost() != null && !o.remoteHost().isBlank()) {
                field(status, "X-Postino-Remote-Host", machine(o.remoteHost(), 300, global));
            }
            if (o.phase() != null) {
                field(status, "X-Postino-Phase", o.phase().label());
            }
        }
        return status.toString();
    }

    private Map<String, Object> humanModel(List<String> languages, List<Resolved> resolved, OriginalEnvelope envelope,
                                           String subject, String returnedKey, long size,
                                           Map<String, SuppressionNotice> suppressed) {
        List<Object> sections = new ArrayList<>();
        for (String language : languages) {
            Function<Instant, String> dates = time -> texts.formatDate(language, time.atZone(clock.getZone()));
            Map<String, Object> section = new LinkedHashMap<>();
            section.put("lang", language);
            section.put("separator", !sections.isEmpty());
            section.put("colon", texts.colon(language)); // the plain-text layout writes label{{colon}}
            Map<DeliveryAction, Integer> counts = new EnumMap<>(DeliveryAction.class);
            resolved.forEach(r -> counts.merge(r.outcome.action(), 1, Integer::sum));
            List<String> intro = new ArrayList<>();
            counts.forEach((action, count) -> intro.add(texts.text(language,
                "intro." + action.word() + (count == 1 ? ".one" : ".other"), Map.of("count", String.valueOf(count)))));
            section.put("intro", intro);
            String shownSubject = subject.isEmpty() ? texts.text(language, "subject.none") : subject;
            section.put("about", envelope.arrivalDate() == null
                ? texts.text(language, "about.nodate", Map.of("subject", shownSubject))
                : texts.text(language, "about", Map.of("subject", shownSubject, "date", dates.apply(envelope.arrivalDate()))));

            Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
            List<Object> details = new ArrayList<>();
            for (Resolved r : resolved) {
                DeliveryOutcome o = r.outcome;
                SuppressionNotice notice = suppressed.get(o.finalRecipient().toLowerCase(Locale.ROOT));
                Cause cause = notice != null ? new Cause("suppressed", false) : cause(o, r.status);
                String retry = switch (o.action()) {
                    case FAILED -> texts.text(language, "retry.failed");
                    case DELAYED -> o.willRetryUntil() == null ? texts.text(language, "retry.delayed.open")
                        : texts.text(language, "retry.delayed", Map.of("date", dates.apply(o.willRetryUntil())));
                    default -> "";
                };
                String text = notice != null ? suppressedText(language, notice, dates) : explanation(language, cause, o, size);
                String advice = advice(language, cause, o.action());
                Map<String, Object> group = groups.computeIfAbsent(cause.key + "\n" + text + "\n" + advice + "\n" + retry, k -> {
                    Map<String, Object> g = new LinkedHashMap<>();
                    g.put("headline", texts.text(language, "cause." + cause.key + ".headline"));
                    g.put("text", text);
                    g.put("advice", advice);
                    g.put("retry", retry);
                    g.put("recipients", new ArrayList<String>());
                    return g;
                });
                @SuppressWarnings("unchecked")
                List<String> recipients = (List<String>) group.get("recipients");
                recipients.add(HeaderText.flatten(o.finalRecipient(), 500));

                List<Object> rows = new ArrayList<>();
                row(rows, language, "technical.recipient", o.finalRecipient());
                row(rows, language, "technical.original-recipient", o.originalRecipient());
                row(rows, language, "technical.action", texts.text(language, "action." + o.action().word()));
                row(rows, language, "technical.status", r.status.toString());
                row(rows, language, "technical.remote-mta", o.remoteHost() != null && !o.remoteHost().isBlank() ? o.remoteHost() : o.remoteMta());
                String smtpReply = smtpReply(o);
                String diagnostic = diagnostic(o);
                // Postfix's "(in reply to RCPT TO command)"; a failure to connect says so already
                boolean phaseShown = o.phase() != null && o.phase() != SmtpPhase.CONNECT && (smtpReply != null || o.failure() != null);
                String phase = !phaseShown ? "" : " (" + texts.text(language, (smtpReply != null ? "phase.reply." : "phase.during.")
                    + o.phase().label()) + ")";
                row(rows, language, "technical.reply", smtpReply == null ? null : HeaderText.flatten(smtpReply, MAX_REPLY) + phase);
                row(rows, language, "technical.diagnostic", smtpReply != null || diagnostic == null ? null
                    : HeaderText.flatten(diagnostic, MAX_REPLY) + phase);
                row(rows, language, "technical.last-attempt", o.lastAttempt() == null ? null : dates.apply(o.lastAttempt()));
                row(rows, language, "technical.retry-until", o.action() == DeliveryAction.DELAYED && o.willRetryUntil() != null
                    ? dates.apply(o.willRetryUntil()) : null);
                details.add(Map.of("rows", rows));
            }
            section.put("groups", new ArrayList<>(groups.values()));
            section.put("returned", texts.text(language, returnedKey,
                Map.of("size", size(size, language), "limit", size(settings.maxReturnedSize(), language))));
            section.put("technicalTitle", texts.text(language, "technical.title"));
            section.put("details", details);
            sections.add(section);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("lang", languages.get(0));
        model.put("title", texts.text(languages.get(0), "subject." + headlineAction(resolved).word(),
            Map.of("subject", subject.isEmpty() ? texts.text(languages.get(0), "subject.none") : subject)));
        model.put("sections", sections);
        return model;
    }

    private void row(List<Object> rows, String language, String key, String value) {
        if (value != null && !value.isBlank()) {
            rows.add(Map.of("label", texts.text(language, key), "value", HeaderText.flatten(value, MAX_REPLY + 200)));
        }
    }

    /** The outcome's ORCPT; text whose type is not an atom is all address (the outcomes may come from anyone). */
    private static OriginalRecipient originalRecipient(String text) {
        try {
            return OriginalRecipient.parse(text);
        } catch (IllegalArgumentException notTyped) {
            return OriginalRecipient.rfc822(text.strip());
        }
    }

    /** The remote server's SMTP reply, or null when none is known (a non-SMTP text is a {@link #diagnostic}). */
    private static String smtpReply(DeliveryOutcome o) {
        String reply = o.remoteReply();
        return reply != null && SMTP_REPLY.matcher(reply.strip()).matches() ? reply.strip() : null;
    }

    /** What happened without an SMTP reply: the outcome's diagnostic, or a reply field that holds no SMTP reply. */
    private static String diagnostic(DeliveryOutcome o) {
        if (o.diagnostic() != null && !o.diagnostic().isBlank()) {
            return o.diagnostic().strip();
        }
        String reply = o.remoteReply();
        return reply != null && !reply.isBlank() && smtpReply(o) == null ? reply.strip() : null;
    }

    /**
     * The explanation of a group: the cause's own text; for a failure after the retry period ran out, the cause's
     * "it stayed so" text; for a message over a size limit the server announced, the text naming that limit. Where
     * a text sends the reader to the technical details, it does so only when they hold a reply or a diagnostic.
     */
    private String explanation(String language, Cause cause, DeliveryOutcome o, long size) {
        if (cause.expired) {
            return texts.text(language, "cause." + cause.key + ".expired");
        }
        if (cause.key.equals("toobig") && o.sizeLimit() != null) {
            return texts.text(language, "cause.toobig.limit", Map.of("size", size(size, language), "limit", size(o.sizeLimit(), language)));
        }
        String text = texts.text(language, "cause." + cause.key + ".text");
        boolean details = smtpReply(o) != null || diagnostic(o) != null;
        return switch (cause.key) {
            case "permanent", "transient" -> details ? text + " " + texts.text(language, "details.reason") : text;
            case "expired" -> details ? text + " " + texts.text(language, "details.last") : text;
            default -> text;
        };
    }

    /** Why a suppressed recipient was not sent to: when it bounced (or was added), why, and until when. */
    private String suppressedText(String language, SuppressionNotice notice, Function<Instant, String> dates) {
        String word = notice.reason().toLowerCase(Locale.ROOT);
        String reason = SuppressionNotice.EXPLAINED_REASONS.contains(word) ? texts.text(language, "suppressed.reason." + word)
            : texts.text(language, "suppressed.reason.other", Map.of("reason", HeaderText.flatten(notice.reason(), 200)));
        String until = notice.until().map(dates).orElse(texts.text(language, "suppressed.until.none"));
        return texts.text(language, notice.textKey(), Map.of("date", dates.apply(notice.since()), "until", until, "reason", reason));
    }

    /**
     * What the sender can do. A delay warning never asks for the message to be sent again, since it still is being
     * retried: causes that also end in failures have a separate text for delays, the others the general one.
     */
    private String advice(String language, Cause cause, DeliveryAction action) {
        if (action == DeliveryAction.DELAYED) {
            if (RETRIED_CAUSES.contains(cause.key)) {
                return texts.text(language, "cause." + cause.key + ".delayed.advice");
            }
            if (!DELAY_ONLY_CAUSES.contains(cause.key)) {
                return texts.text(language, "advice.delayed");
            }
        }
        return texts.text(language, "cause." + cause.key + ".advice");
    }

    /**
     * Which text explains an outcome to people ({@code cause.KEY.*}), and whether it is the "given up after
     * repeated attempts" form of it.
     */
    record Cause(String key, boolean expired) {
    }

    /**
     * The text that explains an outcome. Success actions speak for themselves. A failure without a reply is
     * explained by its kind (refused, no answer, DNS, TLS), anything else by its status. A failure after only
     * transient errors (the retry period ran out) keeps the last error's explanation where there is one to keep (a
     * full mailbox, a server that never answered, DNS, TLS) in its "stayed so until delivery was given up" form;
     * otherwise it is "given up after repeated attempts".
     */
    static Cause cause(DeliveryOutcome outcome, EnhancedStatusCode status) {
        DeliveryAction action = outcome.action();
        if (!status.isFailure() || action == DeliveryAction.DELIVERED || action == DeliveryAction.RELAYED
            || action == DeliveryAction.EXPANDED) {
            return new Cause(switch (action) {
                case RELAYED -> "relayed";
                case EXPANDED -> "expanded";
                default -> "delivered";
            }, false);
        }
        boolean givenUp = action == DeliveryAction.FAILED && status.statusClass() == 4;
        String key;
        if (outcome.failure() != null && smtpReply(outcome) == null) {
            key = switch (outcome.failure()) {
                case REFUSED -> "refused";
                case DNS -> "dns";
                case TLS -> "tls";
                default -> "noanswer";
            };
        } else {
            // given up: the status is 4.4.7, the last error is in the reply (e.g. 452 4.2.2 for a full mailbox)
            EnhancedStatusCode last = givenUp ? EnhancedStatusCode.fromReply(outcome.remoteReply()).orElse(status) : status;
            key = causeKey(last);
        }
        if (givenUp) {
            return RETRIED_CAUSES.contains(key) ? new Cause(key, true) : new Cause("expired", false);
        }
        return new Cause(key.equals("expired") ? "transient" : key, false);
    }

    /** The cause a failure status names (RFC 3463), of class 4 or 5. */
    static String causeKey(EnhancedStatusCode status) {
        boolean permanent = status.statusClass() == 5;
        return switch (status.subject() * 1000 + status.detail()) {
            case 1001 -> "nouser";
            case 1002, 4004 -> "nodomain";
            case 1010 -> "nullmx";
            case 2002 -> "mailboxfull";
            case 2003, 3004 -> "toobig";
            case 4001, 4002 -> "noanswer";
            case 4003 -> "dns";
            case 4007 -> "expired";
            case 7004, 7005, 7010 -> "tls";
            case 7020, 7021, 7022, 7023, 7024, 7025, 7026 -> "authentication";
            default -> status.subject() == 7 ? (permanent ? "policy" : "greylist") : (permanent ? "permanent" : "transient");
        };
    }

    /** The action the subject line names: a failure outweighs a delay, which outweighs any success. */
    private static DeliveryAction headlineAction(List<Resolved> resolved) {
        if (resolved.stream().anyMatch(r -> r.outcome.action() == DeliveryAction.FAILED)) {
            return DeliveryAction.FAILED;
        }
        if (resolved.stream().anyMatch(r -> r.outcome.action() == DeliveryAction.DELAYED)) {
            return DeliveryAction.DELAYED;
        }
        return DeliveryAction.DELIVERED;
    }

    private static void textPart(StringBuilder out, String type, String content) {
        out.append("Content-Type: ").append(type).append("; charset=UTF-8\r\n")
            .append("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
            .append(QuotedPrintable.encode(content)).append("\r\n");
    }

    /** A value for the delivery-status part: one line, capped, and 7-bit unless the global type allows UTF-8. */
    private static String machine(String value, int max, boolean global) {
        String flat = HeaderText.flatten(value, max);
        return global ? flat : flat.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private String date(Instant instant) {
        return RFC5322_DATE.format(instant.atZone(clock.getZone()));
    }

    /** Appends {@code Name: value}, folding at spaces so that lines stay near 78 characters. */
    private static void field(StringBuilder out, String name, String value) {
        int column = name.length() + 2;
        out.append(name).append(": ");
        String[] words = value.split(" ", -1);
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            int lineBreak = word.lastIndexOf("\r\n");
            int firstLine = word.contains("\r\n") ? word.indexOf("\r\n") : word.length();
            if (i > 0) {
                if (column + 1 + firstLine > 78 && column > name.length() + 2) {
                    out.append("\r\n ");
                    column = 1;
                } else {
                    out.append(' ');
                    column++;
                }
            }
            out.append(word);
            column = lineBreak >= 0 ? word.length() - lineBreak - 2 : column + word.length();
        }
        out.append("\r\n");
    }

    /**
     * A boundary, derived from the Message-ID, that no line of the returned content starts with (RFC 2046
     * §5.1.1); the rest of the notification is quoted-printable or has its lines start with field names.
     */
    private static String boundary(String kind, String id, OriginalMessage message, boolean whole) {
        String base = "=_postino_" + kind + "_" + Integer.toHexString(id.hashCode()) + Long.toHexString(id.length() * 7919L);
        String candidate = base;
        for (int i = 1; message.hasLineStarting("--" + candidate, !whole); i++) {
            candidate = base + "_" + i;
        }
        return candidate;
    }

    private static String firstMessageId(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = MESSAGE_ID.matcher(value);
        return m.find() && HeaderText.isAscii(m.group()) ? m.group() : null;
    }

    /** The original's References plus its Message-ID (RFC 5322 §3.6.4), keeping the first and the latest ids. */
    private static String references(String existing, String originalId) {
        List<String> ids = new ArrayList<>();
        if (existing != null) {
            Matcher m = MESSAGE_ID.matcher(existing);
            while (m.find()) {
                if (HeaderText.isAscii(m.group())) {
                    ids.add(m.group());
                }
            }
        }
        ids.add(originalId);
        if (ids.size() > MAX_REFERENCES) {
            List<String> kept = new ArrayList<>(ids.subList(ids.size() - MAX_REFERENCES + 1, ids.size()));
            kept.add(0, ids.get(0));
            ids = kept;
        }
        return String.join(" ", ids);
    }

    private String size(long octets, String language) {
        return texts.formatSize(language, octets);
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private record Resolved(DeliveryOutcome outcome, EnhancedStatusCode status) {
    }
}
