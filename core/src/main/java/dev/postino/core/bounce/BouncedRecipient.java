package dev.postino.core.bounce;

import java.util.Objects;
import java.util.Optional;

/**
 * What a report says about one recipient: the fields of {@code postino bounce --json}'s recipients.
 *
 * @param address    the recipient (Final-Recipient, else Original-Recipient, else the address the text names)
 * @param action     the RFC 3464 action ({@code failed}, {@code delayed}, ...), {@code ""} for feedback and
 *                   auto-replies
 * @param status     the enhanced status code X.Y.Z (the report's, else inferred), {@code ""} when none applies
 * @param reason     the reason in Sisimai's vocabulary
 * @param hard       Sisimai's hard/soft rule applied to reason and status
 * @param diagnostic the remote server's text, {@code ""} when there is none
 * @param remoteMta  the host that gave the error, when the report names it
 */
public record BouncedRecipient(String address, String action, String status, BounceReason reason, boolean hard,
                               String diagnostic, Optional<String> remoteMta) {
    public BouncedRecipient {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(diagnostic, "diagnostic");
        Objects.requireNonNull(remoteMta, "remoteMta");
    }
}
