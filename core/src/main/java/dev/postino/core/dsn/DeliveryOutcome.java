package dev.postino.core.dsn;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.postino.core.json.Json;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/**
 * What happened to one recipient of a message, as a delivery status notification reports it (RFC 3464
 * §2.3). Mailets carry a list of these on the mail in the String attribute {@value #ATTRIBUTE}, as the JSON
 * of {@link #toJson(List)}, so that it survives any mail queue; remote delivery fills it, the bounce mailet
 * reads it.
 *
 * @param finalRecipient    the address the delivery was attempted to (the RCPT TO address)
 * @param originalRecipient the ORCPT parameter as given with RCPT TO, {@code type;address} with xtext
 *                          decoded (e.g. {@code rfc822;bob@example.com}); null when there was none
 * @param action            what was done
 * @param status            the enhanced status code; null when unknown (then derived from {@code remoteReply})
 * @param remoteMta         the host name of the server that answered (or that was reached and then failed,
 *                          e.g. in the TLS handshake); null when none was
 * @param remoteReply       that server's reply, e.g. {@code 550 5.1.1 no such user}; null when none
 * @param lastAttempt       when delivery was last attempted; null when unknown
 * @param willRetryUntil    for {@code delayed}: when retrying stops; else null
 * @param remoteHost        the host tried last, with its address and port ({@code mx.example.com [192.0.2.1]:25}),
 *                          whether or not it answered; null when no host was tried (e.g. DNS failed)
 * @param diagnostic        what happened when no server replied ({@code connection refused by ...},
 *                          {@code certificate not trusted (...)}); null when there was a reply or nothing is known
 * @param failure           how the last attempt failed without a reply (refused, timeout, DNS, TLS...); null for
 *                          a reply, for a failure Postino decided itself, and when unknown
 * @param phase             where in the SMTP transaction the last attempt ended (e.g. {@code RCPT}); null when
 *                          no SMTP session was involved or it is unknown
 * @param sizeLimit         the size limit in octets the remote server announced, when the message was over it;
 *                          else null
 */
public record DeliveryOutcome(String finalRecipient, String originalRecipient, DeliveryAction action,
                              EnhancedStatusCode status, String remoteMta, String remoteReply,
                              Instant lastAttempt, Instant willRetryUntil, String remoteHost, String diagnostic,
                              FailureClass failure, SmtpPhase phase, Long sizeLimit) {

    /** The mail attribute that carries the outcomes, a String holding {@link #toJson(List)}'s JSON. */
    public static final String ATTRIBUTE = "postino.delivery.outcomes";

    public DeliveryOutcome {
        if (finalRecipient == null || finalRecipient.isBlank()) {
            throw new IllegalArgumentException("an outcome needs a final recipient");
        }
        if (action == null) {
            throw new IllegalArgumentException("an outcome needs an action");
        }
        if (failure == FailureClass.REPLY) {
            failure = null; // a reply is in remoteReply
        }
        if (sizeLimit != null && sizeLimit <= 0) {
            sizeLimit = null;
        }
    }

    /** An outcome as remote delivery knew it before failures without a reply were explained. */
    public DeliveryOutcome(String finalRecipient, String originalRecipient, DeliveryAction action,
                           EnhancedStatusCode status, String remoteMta, String remoteReply,
                           Instant lastAttempt, Instant willRetryUntil) {
        this(finalRecipient, originalRecipient, action, status, remoteMta, remoteReply, lastAttempt, willRetryUntil,
            null, null, null, null, null);
    }

    /** A failure of {@code recipient} with {@code status} and nothing else known. */
    public static DeliveryOutcome failed(String recipient, EnhancedStatusCode status) {
        return new DeliveryOutcome(recipient, null, DeliveryAction.FAILED, status, null, null, null, null);
    }

    public DeliveryOutcome withOriginalRecipient(String orcpt) {
        return new DeliveryOutcome(finalRecipient, orcpt, action, status, remoteMta, remoteReply, lastAttempt, willRetryUntil,
            remoteHost, diagnostic, failure, phase, sizeLimit);
    }

    /** This outcome with what is known of an attempt that got no reply (or, for {@code phase}, of any attempt). */
    public DeliveryOutcome withAttempt(String remoteHost, String diagnostic, FailureClass failure, SmtpPhase phase,
                                       Long sizeLimit) {
        return new DeliveryOutcome(finalRecipient, originalRecipient, action, status, remoteMta, remoteReply, lastAttempt,
            willRetryUntil, remoteHost, diagnostic, failure, phase, sizeLimit);
    }

    /**
     * The compact JSON form: an array of objects with the keys {@code recipient}, {@code original_recipient},
     * {@code action} (RFC 3464 word), {@code status} ({@code X.Y.Z}), {@code remote_mta}, {@code reply},
     * {@code last_attempt} and {@code retry_until} (ISO-8601 instants), {@code remote_host}, {@code diagnostic},
     * {@code failure} ({@code timeout refused lost_connection dns tls}), {@code phase} ({@link SmtpPhase#label()})
     * and {@code size_limit} (a number of octets); absent values are left out.
     */
    public static String toJson(List<DeliveryOutcome> outcomes) {
        List<Object> array = new ArrayList<>();
        for (DeliveryOutcome o : outcomes) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("recipient", o.finalRecipient);
            putIfPresent(object, "original_recipient", o.originalRecipient);
            object.put("action", o.action.word());
            putIfPresent(object, "status", o.status);
            putIfPresent(object, "remote_mta", o.remoteMta);
            putIfPresent(object, "reply", o.remoteReply);
            putIfPresent(object, "last_attempt", o.lastAttempt);
            putIfPresent(object, "retry_until", o.willRetryUntil);
            putIfPresent(object, "remote_host", o.remoteHost);
            putIfPresent(object, "diagnostic", o.diagnostic);
            putIfPresent(object, "failure", o.failure == null ? null : o.failure.name().toLowerCase(Locale.ROOT));
            putIfPresent(object, "phase", o.phase == null ? null : o.phase.label());
            if (o.sizeLimit != null) {
                object.put("size_limit", o.sizeLimit);
            }
            array.add(object);
        }
        return Json.write(array);
    }

    private static void putIfPresent(Map<String, Object> object, String key, Object value) {
        if (value != null) {
            object.put(key, value.toString());
        }
    }

    /**
     * Reads {@link #toJson(List)}'s form back, also as earlier versions wrote it. Unknown keys, and unknown
     * {@code failure} and {@code phase} words, are ignored, so that later writers may add some.
     *
     * @throws IllegalArgumentException for anything else than that form, saying what is wrong
     */
    public static List<DeliveryOutcome> fromJson(String json) {
        Object parsed = Json.read(json);
        if (!(parsed instanceof List<?> array)) {
            throw new IllegalArgumentException("delivery outcomes: expected a JSON array of objects");
        }
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof Map<?, ?> object)) {
                throw new IllegalArgumentException("delivery outcomes: item " + outcomes.size() + " is not an object");
            }
            try {
                String status = text(object, "status");
                outcomes.add(new DeliveryOutcome(text(object, "recipient"), text(object, "original_recipient"),
                    DeliveryAction.fromWord(text(object, "action")),
                    status == null ? null : EnhancedStatusCode.parse(status),
                    text(object, "remote_mta"), text(object, "reply"),
                    instant(object, "last_attempt"), instant(object, "retry_until"),
                    text(object, "remote_host"), text(object, "diagnostic"), failure(text(object, "failure")),
                    phase(text(object, "phase")), sizeLimit(object.get("size_limit"))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("delivery outcomes: item " + outcomes.size() + ": " + e.getMessage(), e);
            }
        }
        return outcomes;
    }

    private static String text(Map<?, ?> object, String key) {
        Object value = object.get(key);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException(key + " must be a string");
    }

    private static FailureClass failure(String word) {
        for (FailureClass failure : FailureClass.values()) {
            if (failure != FailureClass.REPLY && failure.name().equalsIgnoreCase(word)) {
                return failure;
            }
        }
        return null;
    }

    private static SmtpPhase phase(String label) {
        try {
            return label == null ? null : SmtpPhase.parse(label);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    private static Long sizeLimit(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Number number && number.doubleValue() >= 1 && number.doubleValue() < 1e18
            && number.doubleValue() == Math.rint(number.doubleValue())) {
            return number.longValue();
        }
        if (value instanceof String text && text.matches("[0-9]{1,18}")) {
            return Long.parseLong(text);
        }
        throw new IllegalArgumentException("size_limit must be a whole number of octets");
    }

    private static Instant instant(Map<?, ?> object, String key) {
        String value = text(object, key);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " '" + value + "' is not an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
