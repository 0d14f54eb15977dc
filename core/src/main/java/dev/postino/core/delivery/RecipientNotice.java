package dev.postino.core.delivery;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * What the sender is to be told about one recipient, from the delivery's point of view: the RFC 3464 action,
 * the final status, until when delivery is retried (for {@code delayed}) and the last attempt's outcome, whose
 * reply and host are the notification's {@code Diagnostic-Code} and {@code Remote-MTA}.
 *
 * @param action         failed, delayed, delivered or relayed
 * @param status         the RFC 3463 status: the remote enhanced code, or {@code 4.4.7} when retries ran out
 * @param willRetryUntil for {@code delayed}: when retries end; else null
 * @param lastOutcome    the last attempt for this recipient
 */
public record RecipientNotice(Action action, EnhancedStatusCode status, Instant willRetryUntil, AttemptOutcome lastOutcome) {

    /** RFC 3464 section 2.3.3 actions (expanded is not Postino's to say). */
    public enum Action {
        FAILED, DELAYED, DELIVERED, RELAYED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public RecipientNotice {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(lastOutcome, "lastOutcome");
    }

    public String recipient() {
        return lastOutcome.recipient();
    }

    /**
     * One line: {@code action}, {@code status}, {@code will-retry-until} (ISO-8601, only for delayed), then the
     * {@linkplain AttemptOutcome#toString() outcome's fields}, all in {@link FieldLine}'s {@code key=value;} form.
     */
    @Override
    public String toString() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("action", action.label());
        fields.put("status", status.toString());
        fields.put("will-retry-until", willRetryUntil == null ? null : willRetryUntil.toString());
        fields.putAll(lastOutcome.fields());
        return FieldLine.format(fields);
    }

    /**
     * This notice as the notification composer reads it: an entry of the {@code postino.delivery.outcomes}
     * attribute ({@link DeliveryOutcome#toJson}). The remote MTA and its reply are given
     * only when a server answered (RFC 3464 §2.3.5, §2.3.6).
     *
     * @param originalRecipient the ORCPT as {@code type;address}, or null
     */
    public DeliveryOutcome forNotification(String originalRecipient) {
        boolean answered = lastOutcome.code() != 0;
        String host = lastOutcome.remoteHost();
        String remoteMta = !answered || host == null ? null
            : host.contains(" [") ? host.substring(0, host.indexOf(" [")) : host; // the name, without "[address]"
        return new DeliveryOutcome(recipient(), originalRecipient,
            DeliveryAction.fromWord(action.label()),
            status,
            remoteMta, answered ? lastOutcome.diagnostic() : null, lastOutcome.attemptedAt(), willRetryUntil);
    }
}
