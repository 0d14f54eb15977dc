package dev.postino.james.attributes;

import java.util.List;
import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;

import dev.postino.core.dsn.SuppressionNotice;

/**
 * The contract between {@code BounceClassifier}, which reads inbound reports (bounces, complaints, auto-replies), and
 * the matchers that route by what it found; and between {@code SuppressedRecipientNotice} and {@code LocalizedBounce},
 * which tells the sender about recipients on the suppression list. Every value is a String; the README's "Mail
 * attributes" table lists them.
 */
public final class ReturnPathAttributes {

    /** {@code true} when some recipient of the report failed or was delayed (the CLI's {@code bounce}); else {@code false}. */
    public static final AttributeName BOUNCE_DETECTED = AttributeName.of("postino.bounce.detected");
    /** What sort of report the mail is: {@link #KINDS}. */
    public static final AttributeName BOUNCE_KIND = AttributeName.of("postino.bounce.kind");
    public static final List<String> KINDS = List.of("dsn", "non-standard", "feedback", "autoreply", "none");
    /**
     * Whether a bounce or complaint refers to mail we sent: {@link #VERDICTS}. {@code genuine}: its original's
     * Message-ID or its Original-Envelope-Id matches a record of sent mail; {@code forged}: it names some, none of
     * ours; {@code unreferenced}: it names none; {@code unknown}: the store could not be asked; {@code none}: not a
     * bounce or complaint.
     */
    public static final AttributeName BOUNCE_VERDICT = AttributeName.of("postino.bounce.verdict");
    public static final String GENUINE = "genuine";
    public static final String FORGED = "forged";
    public static final String UNREFERENCED = "unreferenced";
    public static final String UNKNOWN = "unknown";
    public static final String NONE = "none";
    public static final List<String> VERDICTS = List.of(GENUINE, FORGED, UNREFERENCED, UNKNOWN, NONE);
    /** The reason word (Sisimai's vocabulary) of the first recipient that failed, else of the first one; empty: none. */
    public static final AttributeName BOUNCE_REASON = AttributeName.of("postino.bounce.reason");
    /** {@code true} when that recipient's bounce is hard. */
    public static final AttributeName BOUNCE_HARD = AttributeName.of("postino.bounce.hard");
    /**
     * JSON array, one object per recipient the report names: {@code address}, {@code action}, {@code status},
     * {@code reason}, {@code hard} (a JSON boolean), {@code diagnostic}, {@code remote_mta} (or null), as
     * {@code postino bounce --json} prints them.
     */
    public static final AttributeName BOUNCE_RECIPIENTS = AttributeName.of("postino.bounce.recipients");
    /** The Message-ID of the message the report is about, with angle brackets; absent when it names none. */
    public static final AttributeName BOUNCE_ORIGINAL_MESSAGE_ID = AttributeName.of("postino.bounce.original.message.id");
    /** The addresses this report put on (or kept on) the suppression list, comma-separated; absent when none. */
    public static final AttributeName BOUNCE_SUPPRESSED = AttributeName.of("postino.bounce.suppressed");
    /** Why the reader gave up on a malformed message, or why the classifier could not record it; absent otherwise. */
    public static final AttributeName BOUNCE_NOTE = AttributeName.of("postino.bounce.note");

    /**
     * On a mail to recipients on the suppression list, what each entry says ({@link SuppressionNotice}'s JSON),
     * written by {@code SuppressedRecipientNotice} and read by {@code LocalizedBounce}.
     */
    public static final AttributeName SUPPRESSION_NOTICES = AttributeName.of(SuppressionNotice.ATTRIBUTE);

    private ReturnPathAttributes() {
    }

    /** A String attribute's value. */
    public static Optional<String> read(Mail mail, AttributeName name) {
        return AuthenticationAttributes.read(mail, name);
    }
}
