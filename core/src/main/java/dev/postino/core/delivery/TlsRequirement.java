package dev.postino.core.delivery;

/**
 * What one SMTP session demands of STARTTLS before MAIL (and before AUTH).
 * <ul>
 *   <li>{@link #OPPORTUNISTIC}: TLS when offered, any certificate, and on in the clear when STARTTLS is refused or
 *       its handshake fails (RFC 7435);</li>
 *   <li>{@link #ENCRYPTED}: TLS or nothing, any certificate (a lab smarthost, {@code smarthostTlsVerify=false});</li>
 *   <li>{@link #VERIFIED}: TLS or nothing, with a certificate chain the trust store accepts and that names the host
 *       connected to (the MX name, or the smarthost's).</li>
 * </ul>
 * Anything short of the requirement is a temporary failure of class TLS ({@code 4.7.4} when STARTTLS is missing
 * or refused, {@code 4.7.5} when the handshake or the certificate fails) and nothing of the message is sent.
 */
public enum TlsRequirement {
    OPPORTUNISTIC, ENCRYPTED, VERIFIED;

    /**
     * The requirement of a session: {@link #VERIFIED} for a recipient domain in {@code requireTls}; for a smarthost
     * that gets the password, {@link #VERIFIED} (or {@link #ENCRYPTED} when its certificate is not to be verified),
     * unless AUTH is allowed in the clear; else {@link #OPPORTUNISTIC}.
     *
     * @param domainRequiresTls whether the recipients' domain is in {@code requireTls}
     * @param smarthost         the smarthost, or null for an MX host
     */
    public static TlsRequirement of(boolean domainRequiresTls, Smarthost smarthost) {
        if (domainRequiresTls) {
            return VERIFIED;
        }
        if (smarthost != null && smarthost.username() != null && !smarthost.authWithoutTls()) {
            return smarthost.verifyTls() ? VERIFIED : ENCRYPTED;
        }
        return OPPORTUNISTIC;
    }

    /** Whether the session must not go on without TLS. */
    public boolean requiresTls() {
        return this != OPPORTUNISTIC;
    }
}
