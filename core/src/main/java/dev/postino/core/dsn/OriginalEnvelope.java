package dev.postino.core.dsn;

import java.time.Instant;

/**
 * The SMTP envelope of the message a notification is about.
 *
 * @param reversePath   the MAIL FROM address the notification goes to; empty or null for the null reverse-path
 * @param envelopeId    the ENVID parameter (RFC 3461 §4.4), xtext decoded; null when none was given
 * @param returnContent the RET parameter; null when none was given (the configured default applies)
 * @param arrivalDate   when the message arrived; null when unknown
 * @param smtpUtf8      whether it was sent with the SMTPUTF8 parameter (RFC 6531)
 */
public record OriginalEnvelope(String reversePath, String envelopeId, ReturnContent returnContent,
                               Instant arrivalDate, boolean smtpUtf8) {

    /** An envelope with only a reverse-path and an arrival date. */
    public static OriginalEnvelope of(String reversePath, Instant arrivalDate) {
        return new OriginalEnvelope(reversePath, null, null, arrivalDate, false);
    }

    /** True for the null reverse-path {@code <>}: nothing may be sent back to it. */
    public boolean hasNullReversePath() {
        return reversePath == null || reversePath.isBlank() || reversePath.equals("<>");
    }
}
