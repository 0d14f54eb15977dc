package dev.postino.core.retry;

import java.util.Objects;

import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/**
 * A failed delivery attempt for one recipient, as the retry rules see it: the SMTP phase it stopped in, the
 * failure class and, for {@link FailureClass#REPLY}, the server's 4xx or 5xx reply (null otherwise).
 */
public record DeliveryFailure(SmtpPhase phase, FailureClass failureClass, SmtpReply reply) {

    public DeliveryFailure {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(failureClass, "failureClass");
        if ((failureClass == FailureClass.REPLY) != (reply != null)) {
            throw new IllegalArgumentException("a reply goes with failure class REPLY and only with it");
        }
        if (reply != null && !reply.isTransient() && !reply.isPermanent()) {
            throw new IllegalArgumentException("a failure needs a 4xx or 5xx reply, not " + reply.code());
        }
    }

    /** The server refused with this reply in this phase. */
    public static DeliveryFailure reply(SmtpPhase phase, SmtpReply reply) {
        return new DeliveryFailure(phase, FailureClass.REPLY, Objects.requireNonNull(reply, "reply"));
    }

    /** No reply: a timeout, refused or lost connection, a DNS or TLS failure, in this phase. */
    public static DeliveryFailure withoutReply(SmtpPhase phase, FailureClass failureClass) {
        return new DeliveryFailure(phase, failureClass, null);
    }

    /** A 5xx reply: no retry will help. Everything else is temporary. */
    public boolean isPermanent() {
        return reply != null && reply.isPermanent();
    }

    @Override
    public String toString() {
        return reply != null ? reply + " (" + phase.label() + ")"
            : failureClass.name().toLowerCase(java.util.Locale.ROOT) + " (" + phase.label() + ")";
    }
}
