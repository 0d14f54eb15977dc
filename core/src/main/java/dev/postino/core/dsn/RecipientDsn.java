package dev.postino.core.dsn;

import java.util.Set;

/**
 * What the sender asked for one recipient with the DSN extension (RFC 3461): the NOTIFY keywords (empty when
 * the sender gave none) and the original recipient (null when none was given).
 */
public record RecipientDsn(Set<Notify> notifyOn, OriginalRecipient original) {

    /** No DSN parameters. */
    public static final RecipientDsn NONE = new RecipientDsn(Set.of(), null);

    public RecipientDsn {
        // RFC 3461 §4.1: NEVER goes alone; a sender that adds events to it still asked for nothing
        notifyOn = notifyOn.contains(Notify.NEVER) ? Set.of(Notify.NEVER) : Set.copyOf(notifyOn);
    }

    /** Whether the sender gave NOTIFY for this recipient. */
    public boolean notifyGiven() {
        return !notifyOn.isEmpty();
    }

    /** The keywords as the SMTP client sends them, e.g. {@code DELAY FAILURE}. */
    public Set<String> notifyKeywords() {
        Set<String> keywords = new java.util.TreeSet<>();
        notifyOn.forEach(n -> keywords.add(n.name()));
        return keywords;
    }
}
