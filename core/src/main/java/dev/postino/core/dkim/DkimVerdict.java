package dev.postino.core.dkim;

import java.util.Locale;

/** The result of verifying one DKIM signature, in the words of RFC 8601 §2.7.1. */
public enum DkimVerdict {
    /** The signature verified. */
    PASS,
    /** The signature or body hash did not verify, or the key is revoked, or local rules reject the signature outright. */
    FAIL,
    /** The signature was not checked (over the per-message limit). */
    NEUTRAL,
    /** The signature verified, but local policy does not accept it (for example l= leaving content unsigned). */
    POLICY,
    /** The key could not be fetched for now (DNS timeout, SERVFAIL): retrying later may give another answer. */
    TEMPERROR,
    /** The signature or its key record is unusable: syntax, missing tags, no key, unsupported algorithm. */
    PERMERROR;

    /** The lowercase word used in Authentication-Results and the JSON output, e.g. {@code pass}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
