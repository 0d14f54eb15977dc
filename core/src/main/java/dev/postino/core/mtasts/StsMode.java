package dev.postino.core.mtasts;

import java.util.Locale;
import java.util.Optional;

/** An MTA-STS policy's {@code mode} (RFC 8461 section 5): what a sender does when the policy is not met. */
public enum StsMode {
    /** Deliver only to MX hosts the policy names, over TLS verified against the MX name. */
    ENFORCE,
    /** Deliver as without a policy, and report what would have failed (RFC 8460). */
    TESTING,
    /** The domain withdraws its policy: deliver as without one. */
    NONE;

    /** {@code enforce}, {@code testing} or {@code none}, as the policy and reports write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named exactly {@code enforce}, {@code testing} or {@code none} (case-sensitive, as the ABNF says). */
    public static Optional<StsMode> of(String text) {
        return switch (text) {
            case "enforce" -> Optional.of(ENFORCE);
            case "testing" -> Optional.of(TESTING);
            case "none" -> Optional.of(NONE);
            default -> Optional.empty();
        };
    }
}
