package dev.postino.core.dsn;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.json.JsonText;

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
 * @param remoteMta         the host name of the server that answered; null when none answered
 * @param remoteReply       that server's reply, e.g. {@code 550 5.1.1 no such user}; null when none
 * @param lastAttempt       when delivery was last attempted; null when unknown
 * @param willRetryUntil    for {@code delayed}: when retrying stops; else null
 */
public record DeliveryOutcome(String finalRecipient, String originalRecipient, DeliveryAction action,
                              EnhancedStatusCode status, String remoteMta, String remoteReply,
                              Instant lastAttempt, Instant willRetryUntil) {

    /** The mail attribute that carries the outcomes, a String holding {@link #toJson(List)}'s JSON. */
    public static final String ATTRIBUTE = "postino.delivery.outcomes";

    public DeliveryOutcome {
        if (finalRecipient == null || finalRecipient.isBlank()) {
            throw new IllegalArgumentException("an outcome needs a final recipient");
        }
        if (action == null) {
            throw new IllegalArgumentException("an outcome needs an action");
        }
    }

    /** A failure of {@code recipient} with {@code status} and nothing else known. */
    public static DeliveryOutcome failed(String recipient, EnhancedStatusCode status) {
        return new DeliveryOutcome(recipient, null, DeliveryAction.FAILED, status, null, null, null, null);
    }

    public DeliveryOutcome withOriginalRecipient(String orcpt) {
        return new DeliveryOutcome(finalRecipient, orcpt, action, status, remoteMta, remoteReply, lastAttempt, willRetryUntil);
    }

    /**
     * The compact JSON form: an array of objects with the keys {@code recipient}, {@code original_recipient},
     * {@code action} (RFC 3464 word), {@code status} ({@code X.Y.Z}), {@code remote_mta}, {@code reply},
     * {@code last_attempt} and {@code retry_until} (ISO-8601 instants); absent values are left out.
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
            array.add(object);
        }
        return JsonText.write(array);
    }

    private static void putIfPresent(Map<String, Object> object, String key, Object value) {
        if (value != null) {
            object.put(key, value.toString());
        }
    }

    /**
     * Reads {@link #toJson(List)}'s form back. Unknown keys are ignored, so that later writers may add some.
     *
     * @throws IllegalArgumentException for anything else than that form, saying what is wrong
     */
    public static List<DeliveryOutcome> fromJson(String json) {
        Object parsed = JsonText.parse(json);
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
                    instant(object, "last_attempt"), instant(object, "retry_until")));
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

    private static Instant instant(Map<?, ?> object, String key) {
        String value = text(object, key);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " '" + value + "' is not an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
