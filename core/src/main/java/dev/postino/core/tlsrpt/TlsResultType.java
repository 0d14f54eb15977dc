package dev.postino.core.tlsrpt;

import java.util.Locale;

/** The result types of RFC 8460 section 4.3 that Postino reports for a failed TLS session or policy. */
public enum TlsResultType {
    /** The MX host did not offer STARTTLS, or refused it. */
    STARTTLS_NOT_SUPPORTED,
    /** The certificate does not name the MX host. */
    CERTIFICATE_HOST_MISMATCH,
    /** The certificate is expired (or not yet valid). */
    CERTIFICATE_EXPIRED,
    /** No trusted chain to the certificate. */
    CERTIFICATE_NOT_TRUSTED,
    /** Anything else that failed validation, including an MX host the policy does not name. */
    VALIDATION_FAILURE,
    /** The MTA-STS policy could not be fetched. */
    STS_POLICY_FETCH_ERROR,
    /** The MTA-STS policy did not parse. */
    STS_POLICY_INVALID,
    /** The HTTPS certificate of the policy host did not validate. */
    STS_WEBPKI_INVALID;

    /** The name in a report, e.g. {@code starttls-not-supported}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The type whose {@link #label} is {@code text}. */
    public static TlsResultType ofLabel(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
