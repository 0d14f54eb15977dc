package dev.postino.core.dmarc;

import java.util.Locale;
import java.util.Optional;

/** A Domain Owner Assessment Policy (RFC 9989 {@code p=}, {@code sp=}, {@code np=}), also used for dispositions. */
public enum DmarcPolicy {
    NONE, QUARANTINE, REJECT;

    /** The lowercase word used in records, Authentication-Results, attributes and the CLI. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One step less enforcement, as {@code t=y} asks (RFC 9989 §4.7): reject → quarantine → none. */
    public DmarcPolicy lowered() {
        return this == REJECT ? QUARANTINE : NONE;
    }

    /** The policy a tag value names (case-insensitive), or empty for anything else. */
    public static Optional<DmarcPolicy> parse(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> Optional.of(NONE);
            case "quarantine" -> Optional.of(QUARANTINE);
            case "reject" -> Optional.of(REJECT);
            default -> Optional.empty();
        };
    }
}
