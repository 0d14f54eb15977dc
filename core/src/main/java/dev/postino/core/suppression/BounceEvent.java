package dev.postino.core.suppression;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import dev.postino.core.bounce.BouncedRecipient;

/**
 * One recipient's bounce or complaint, as it is recorded: for the suppression list and for the sender's bounce rate.
 *
 * @param address    the recipient that bounced (or complained), lower case
 * @param sender     our user who sent the message that bounced, lower case
 * @param kind       hard, soft or complaint
 * @param reason     the reason word (Sisimai's vocabulary)
 * @param status     the enhanced status code, {@code ""} when none
 * @param diagnostic the remote server's text, {@code ""} when none
 * @param at         when the bounce arrived
 */
public record BounceEvent(String address, String sender, Kind kind, String reason, String status, String diagnostic,
                          Instant at) {

    /** How a bounce counts. */
    public enum Kind {
        HARD, SOFT, COMPLAINT;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BounceEvent {
        address = SuppressionEntry.normalize(address);
        sender = sender == null || sender.isBlank() ? "" : SuppressionEntry.cut(sender, SuppressionEntry.MAX_ADDRESS).toLowerCase(Locale.ROOT);
        Objects.requireNonNull(kind, "kind");
        reason = SuppressionEntry.cut(Objects.requireNonNull(reason, "reason"), 40);
        status = SuppressionEntry.cut(Objects.requireNonNull(status, "status"), 16);
        diagnostic = SuppressionEntry.cut(Objects.requireNonNull(diagnostic, "diagnostic"), SuppressionEntry.MAX_DIAGNOSTIC);
        Objects.requireNonNull(at, "at");
    }

    /** The domain of {@link #sender}, {@code ""} when it has none. */
    public String senderDomain() {
        int at = sender.lastIndexOf('@');
        return at < 0 ? "" : sender.substring(at + 1);
    }

    /**
     * The event one recipient of a report makes: a complaint for a feedback report; for a bounce, a failure (not a
     * delay, a success or a vacation reply) that is hard or soft by Sisimai's rule; nothing otherwise, and nothing
     * for a recipient whose address cannot be kept.
     */
    public static Optional<BounceEvent> of(BouncedRecipient recipient, boolean complaint, String sender, Instant at) {
        Kind kind;
        if (complaint) {
            kind = Kind.COMPLAINT;
        } else {
            String action = recipient.action().toLowerCase(Locale.ROOT);
            boolean failed = action.isEmpty() || action.equals("failed");
            if (!failed || !recipient.reason().isFailure()) {
                return Optional.empty();
            }
            kind = recipient.hard() ? Kind.HARD : Kind.SOFT;
        }
        try {
            return Optional.of(new BounceEvent(recipient.address(), sender, kind, recipient.reason().word(), recipient.status(),
                recipient.diagnostic(), at));
        } catch (IllegalArgumentException notAnAddress) {
            return Optional.empty();
        }
    }
}
