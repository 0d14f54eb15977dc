package dev.postino.core.delivery;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.retry.DeliveryFailure;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/**
 * What one delivery attempt did for one recipient: delivered, a temporary failure, or a permanent one, with the
 * remote server's reply when there was one.
 *
 * @param recipient    the recipient's address
 * @param result       delivered, temporary or permanent
 * @param failureClass what kind of answer ended the attempt: {@link FailureClass#REPLY} when the server replied
 *                     (also for a delivery), else the way there was none (timeout, refused, ...); null for a
 *                     permanent failure Postino decided without asking a server (a null MX, a message too big)
 * @param code         the basic reply code, 0 when no server replied (e.g. a null MX or a refused connection)
 * @param enhancedCode the enhanced status code: the server's, or Postino's own when no server replied (such as
 *                     5.1.10 for a null MX); null when the server's reply carried none
 * @param text         the reply text without the codes, or what happened when there was no reply
 * @param remoteHost   the host that answered (or was tried last), empty when no host was tried
 * @param phase        where in the SMTP transaction the attempt ended ({@link SmtpPhase#END_OF_DATA} for a delivery)
 * @param attemptedAt  when the attempt was made
 * @param sizeLimit    the message size limit the host announced (EHLO {@code SIZE}), in octets, when the message was
 *                     refused for being over it; else 0
 */
public record AttemptOutcome(String recipient, Result result, FailureClass failureClass, int code,
                              EnhancedStatusCode enhancedCode, String text, String remoteHost, SmtpPhase phase,
                              Instant attemptedAt, long sizeLimit) {

    /** The three ways an attempt ends for a recipient. */
    public enum Result {
        DELIVERED, TEMPORARY, PERMANENT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AttemptOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(result, "result");
        if (failureClass == null && result != Result.PERMANENT) {
            throw new IllegalArgumentException("only a permanent failure may come without a failure class");
        }
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(attemptedAt, "attemptedAt");
        text = text == null ? "" : text;
        remoteHost = remoteHost == null ? "" : remoteHost;
        if ((failureClass == FailureClass.REPLY) != (code != 0)) {
            throw new IllegalArgumentException("a reply code goes with failure class REPLY and only with it");
        }
        if (sizeLimit < 0) {
            throw new IllegalArgumentException("a size limit cannot be negative: " + sizeLimit);
        }
    }

    /** An outcome with no size limit to report. */
    public AttemptOutcome(String recipient, Result result, FailureClass failureClass, int code,
                          EnhancedStatusCode enhancedCode, String text, String remoteHost, SmtpPhase phase,
                          Instant attemptedAt) {
        this(recipient, result, failureClass, code, enhancedCode, text, remoteHost, phase, attemptedAt, 0);
    }

    /**
     * The outcome the server's {@code reply} means: 2xx delivered (or accepted), 4xx temporary, 5xx permanent.
     *
     * @throws IllegalArgumentException for a 3xx reply, which decides nothing
     */
    public static AttemptOutcome ofReply(String recipient, SmtpReply reply, String remoteHost, SmtpPhase phase,
                                          Instant attemptedAt) {
        if (reply.code() / 100 == 3) {
            throw new IllegalArgumentException("a 3xx reply is not an outcome: " + reply);
        }
        Result result = reply.isPermanent() ? Result.PERMANENT : reply.isTransient() ? Result.TEMPORARY : Result.DELIVERED;
        return new AttemptOutcome(recipient, result, FailureClass.REPLY, reply.code(), reply.enhancedCode(), reply.text(),
            remoteHost, phase, attemptedAt);
    }

    /** A temporary failure without a reply: timeout, refused or lost connection, DNS, TLS. */
    public static AttemptOutcome temporary(String recipient, FailureClass failureClass, String text, String remoteHost,
                                            SmtpPhase phase, Instant attemptedAt) {
        return temporary(recipient, failureClass, null, text, remoteHost, phase, attemptedAt);
    }

    /**
     * A temporary failure without a reply for which Postino knows the specific status, such as {@code 4.7.5} for a
     * certificate that is not trusted.
     *
     * @param status a 4.x.x status, or null for none
     */
    public static AttemptOutcome temporary(String recipient, FailureClass failureClass, EnhancedStatusCode status,
                                            String text, String remoteHost, SmtpPhase phase, Instant attemptedAt) {
        if (failureClass == FailureClass.REPLY) {
            throw new IllegalArgumentException("a failure without a reply needs another class than REPLY");
        }
        if (status != null && status.statusClass() != 4) {
            throw new IllegalArgumentException("a temporary failure needs a 4.x.x status, not " + status);
        }
        return new AttemptOutcome(recipient, Result.TEMPORARY, failureClass, 0, status, text, remoteHost, phase, attemptedAt);
    }

    /**
     * A permanent failure Postino decides without a server's reply (a null MX, a message over the server's SIZE
     * limit), with its own enhanced code.
     */
    public static AttemptOutcome permanent(String recipient, EnhancedStatusCode status, String text, String remoteHost,
                                            SmtpPhase phase, Instant attemptedAt) {
        if (status.statusClass() != 5) {
            throw new IllegalArgumentException("a permanent failure needs a 5.x.x status, not " + status);
        }
        return new AttemptOutcome(recipient, Result.PERMANENT, null, 0, status, text, remoteHost, phase, attemptedAt);
    }

    /**
     * The message is over the {@code SIZE} limit the host announced in its EHLO reply (RFC 1870): a permanent
     * {@code 5.3.4} failure decided before MAIL, which names the limit so that the notification can.
     */
    public static AttemptOutcome tooBig(String recipient, long size, long limit, String remoteHost, SmtpPhase phase,
                                        Instant attemptedAt) {
        return new AttemptOutcome(recipient, Result.PERMANENT, null, 0, new EnhancedStatusCode(5, 3, 4),
            "message of " + size + " octets is over the limit of " + limit + " octets the server announced (SIZE "
                + limit + ")", remoteHost, phase, attemptedAt, limit);
    }

    /** The same outcome for another recipient (a session-wide failure applies to every recipient). */
    public AttemptOutcome forRecipient(String other) {
        return new AttemptOutcome(other, result, failureClass, code, enhancedCode, text, remoteHost, phase, attemptedAt,
            sizeLimit);
    }

    /** The same outcome with {@code other} as what happened (for a failure without a reply, the diagnostic). */
    public AttemptOutcome withText(String other) {
        return new AttemptOutcome(recipient, result, failureClass, code, enhancedCode, other, remoteHost, phase, attemptedAt,
            sizeLimit);
    }

    /** The server's reply, or null when there was none. */
    public SmtpReply reply() {
        return code == 0 ? null : new SmtpReply(code, enhancedCode, text);
    }

    /**
     * The status a notification gives: the enhanced code; for a failure without a reply the RFC 3463 code of its
     * kind ({@link #withoutReplyStatus}); else X.0.0 of the reply code's class.
     */
    public EnhancedStatusCode status() {
        if (enhancedCode != null) {
            return enhancedCode;
        }
        if (code == 0 && failureClass != null && failureClass != FailureClass.REPLY) {
            return withoutReplyStatus(failureClass, phase);
        }
        return EnhancedStatusCode.undefinedOf(code != 0 ? code : result == Result.PERMANENT ? 500 : result == Result.TEMPORARY ? 400 : 200);
    }

    /**
     * The temporary RFC 3463 status of a failure without a reply, as Postfix gives them: {@code 4.4.1} "no answer
     * from host" when the host refused the connection or never answered (while connecting or waiting for its
     * greeting), {@code 4.4.2} "bad connection" when a session broke off or stalled later, {@code 4.4.3} "directory
     * server failure" when DNS did not answer, {@code 4.7.5} "cryptographic failure" for TLS.
     */
    public static EnhancedStatusCode withoutReplyStatus(FailureClass failureClass, SmtpPhase phase) {
        return switch (failureClass) {
            case REFUSED -> new EnhancedStatusCode(4, 4, 1);
            case TIMEOUT -> phase == SmtpPhase.CONNECT || phase == SmtpPhase.GREETING
                ? new EnhancedStatusCode(4, 4, 1) : new EnhancedStatusCode(4, 4, 2);
            case LOST_CONNECTION -> new EnhancedStatusCode(4, 4, 2);
            case DNS -> new EnhancedStatusCode(4, 4, 3);
            case TLS -> new EnhancedStatusCode(4, 7, 5);
            case REPLY -> throw new IllegalArgumentException("a reply has its own status");
        };
    }

    /** The failure as the retry policy sees it; only for a temporary outcome. */
    public DeliveryFailure asFailure() {
        if (result != Result.TEMPORARY) {
            throw new IllegalStateException("only a temporary outcome is retried, this one is " + result.label());
        }
        return code != 0 ? DeliveryFailure.reply(phase, reply()) : DeliveryFailure.withoutReply(phase, failureClass);
    }

    /**
     * For a notification's {@code Diagnostic-Code}: the reply as the server gave it ({@code 550 5.1.1 No such user}),
     * or what happened when there was no reply ({@code connection refused}).
     */
    public String diagnostic() {
        return code != 0 ? reply().toString() : text;
    }

    /** The fields of {@link #toString()}, in order. */
    Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("recipient", recipient);
        fields.put("result", result.label());
        fields.put("class", failureClass == null ? null : failureClass.name().toLowerCase(Locale.ROOT));
        fields.put("code", code == 0 ? null : Integer.toString(code));
        fields.put("enhanced", enhancedCode == null ? null : enhancedCode.toString());
        fields.put("text", text);
        fields.put("host", remoteHost);
        fields.put("phase", phase.label());
        fields.put("attempted", attemptedAt.toString());
        fields.put("size-limit", sizeLimit == 0 ? null : Long.toString(sizeLimit));
        return fields;
    }

    static AttemptOutcome fromFields(Map<String, String> fields) {
        try {
            String code = fields.get("code");
            String enhanced = fields.get("enhanced");
            return new AttemptOutcome(FieldLine.required(fields, "recipient"),
                Result.valueOf(FieldLine.required(fields, "result").toUpperCase(Locale.ROOT)),
                fields.containsKey("class") ? FailureClass.valueOf(fields.get("class").toUpperCase(Locale.ROOT)) : null,
                code == null ? 0 : Integer.parseInt(code),
                enhanced == null ? null : EnhancedStatusCode.parse(enhanced),
                fields.getOrDefault("text", ""), fields.getOrDefault("host", ""),
                SmtpPhase.parse(FieldLine.required(fields, "phase")), Instant.parse(FieldLine.required(fields, "attempted")),
                fields.containsKey("size-limit") ? Long.parseLong(fields.get("size-limit")) : 0);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a delivery outcome: " + fields + ": " + e.getMessage(), e);
        }
    }

    /**
     * One line of {@code key=value} fields (see {@link FieldLine}): {@code recipient}, {@code result}
     * ({@code delivered temporary permanent}), {@code class} ({@code reply timeout refused lost_connection dns tls}; absent for a permanent failure decided
     * without a server),
     * {@code code} (absent without a reply), {@code enhanced} (absent when none), {@code text}, {@code host},
     * {@code phase} ({@link SmtpPhase#label()}), {@code attempted} (ISO-8601 instant), {@code size-limit} (octets;
     * only for a message over the announced SIZE).
     */
    @Override
    public String toString() {
        return FieldLine.format(fields());
    }

    /**
     * Reads {@link #toString()}'s form back.
     *
     * @throws IllegalArgumentException when the line is not such an outcome
     */
    public static AttemptOutcome parse(String line) {
        return fromFields(FieldLine.parse(line));
    }
}
