package dev.postino.core.delivery;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

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
     * attribute ({@link DeliveryOutcome#toJson}). {@code Remote-MTA} (RFC 3464 §2.3.5) is the host that took part
     * in an SMTP session (it replied, or it greeted and then failed, e.g. in the TLS handshake); the host
     * tried last, with its address, is given whenever there was one, also when it never answered. The reply is the
     * {@code smtp} diagnostic; without one, what happened is the {@code x-postino} diagnostic (§2.3.6), with the
     * kind of failure, the SMTP phase and, for a message over the server's SIZE, its limit.
     *
     * @param originalRecipient the ORCPT as {@code type;address}, or null
     */
    public DeliveryOutcome forNotification(String originalRecipient) {
        boolean answered = lastOutcome.code() != 0;
        String host = lastOutcome.remoteHost();
        boolean hostTried = host != null && !host.isEmpty();
        // the host greeted us (and then, say, the TLS handshake failed): it took part in the session
        boolean session = answered || hostTried && lastOutcome.phase() != SmtpPhase.CONNECT && lastOutcome.phase() != SmtpPhase.GREETING;
        String remoteMta = !session || !hostTried ? null
            : host.contains(" [") ? host.substring(0, host.indexOf(" [")) : host; // the name, without "[address]"
        FailureClass failure = answered ? null : lastOutcome.failureClass();
        // The phase means something only where a session was under way: not for DNS, nor for Postino's own decisions.
        SmtpPhase phase = hostTried && (answered || failure != null && failure != FailureClass.DNS) ? lastOutcome.phase() : null;
        String diagnostic = answered || lastOutcome.text().isBlank() ? null : lastOutcome.text();
        return new DeliveryOutcome(recipient(), originalRecipient,
            DeliveryAction.fromWord(action.label()),
            status,
            remoteMta, answered ? lastOutcome.diagnostic() : null, lastOutcome.attemptedAt(), willRetryUntil,
            hostTried ? host : null, diagnostic, failure, phase,
            lastOutcome.sizeLimit() > 0 ? lastOutcome.sizeLimit() : null);
    }
}
