package dev.postino.core.deferral;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import dev.postino.core.delivery.RecipientState;

/**
 * A mail parked in the {@link DeferralStore} until {@code dueAt}: its name (the key, as the mail queue knows it), the
 * recipients' retry states (what remote delivery keeps on a queued mail) and, opaque to the store, the envelope and
 * message bytes the James glue wrote. Arrival, attempts and warnings are derived from the states, for listing.
 *
 * @param envelope        the mail without its message (sender, recipients, attributes), as the glue encodes it
 * @param message         the message, RFC 5322 octets
 * @param bounceRequested an administrator asked for it to be given up and bounced at its next release
 */
public record DeferredMail(String name, String sender, List<RecipientState> states, Instant dueAt, byte[] envelope,
                           byte[] message, boolean bounceRequested) {

    public DeferredMail {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sender, "sender");
        states = List.copyOf(states);
        if (states.isEmpty()) {
            throw new IllegalArgumentException("a deferred mail has at least one recipient: " + name);
        }
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
    }

    public List<String> recipients() {
        return states.stream().map(RecipientState::recipient).toList();
    }

    /** The earliest arrival of its recipients: when the mail first came to remote delivery. */
    public Instant arrival() {
        return states.stream().map(s -> s.retry().arrival()).min(Instant::compareTo).orElseThrow();
    }

    /** The most failed attempts of any recipient. */
    public int attempts() {
        return states.stream().mapToInt(s -> s.retry().failures()).max().orElse(0);
    }

    /** The most delay warnings sent for any recipient. */
    public int warnings() {
        return states.stream().mapToInt(s -> s.retry().warningsSent()).max().orElse(0);
    }

    /** The domain of an address in lower case, as retry rules and the per-domain counts key it. */
    public static String domainOf(String recipient) {
        return recipient.substring(recipient.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
