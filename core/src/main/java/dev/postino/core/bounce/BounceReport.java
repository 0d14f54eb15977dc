package dev.postino.core.bounce;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What an inbound message is, read as a report about earlier mail: the value {@code postino bounce} prints
 * and the {@code BounceClassifier} mailet writes as attributes.
 *
 * @param bounce             true when some recipient's reason reports a failed or delayed delivery
 * @param kind               what sort of report the message is
 * @param originalMessageId  the Message-ID of the message the report is about, with angle brackets
 * @param originalEnvelopeId the DSN's Original-Envelope-Id (RFC 3461 ENVID), decoded from xtext
 * @param recipients         one entry per recipient the report names, in its order
 * @param note               why the reader gave up or chose {@code none} on a malformed message, else empty
 */
public record BounceReport(boolean bounce, Kind kind, Optional<String> originalMessageId,
                           Optional<String> originalEnvelopeId, List<BouncedRecipient> recipients,
                           Optional<String> note) {

    /** The report kinds of the CLI contract. */
    public enum Kind {
        DSN, NON_STANDARD, FEEDBACK, AUTOREPLY, NONE;

        /** The contract's word: {@code dsn}, {@code non-standard}, {@code feedback}, {@code autoreply}, {@code none}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public BounceReport {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(originalMessageId, "originalMessageId");
        Objects.requireNonNull(originalEnvelopeId, "originalEnvelopeId");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(note, "note");
    }

    /** Ordinary mail: not a report of any kind. */
    public static BounceReport none(Optional<String> note) {
        return new BounceReport(false, Kind.NONE, Optional.empty(), Optional.empty(), List.of(), note);
    }

    /** True when the report is a complaint (ARF feedback): counted as such, never as a bounce. */
    public boolean complaint() {
        return kind == Kind.FEEDBACK;
    }
}
