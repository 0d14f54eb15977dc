package dev.postino.core.dmarc;

import java.util.Locale;

/** The DMARC result (RFC 8601 §2.7.7 words). */
public enum DmarcVerdict {
    /** An aligned identifier authenticated the Author Domain. */
    PASS,
    /** A policy exists and no aligned identifier authenticated the Author Domain. */
    FAIL,
    /** No DMARC policy record applies to the Author Domain. */
    NONE,
    /** A DNS failure kept the policy or the Organizational Domain unknown; retrying later may decide. */
    TEMPERROR,
    /** The message cannot be evaluated as it stands: no usable RFC5322.From, or several authors. */
    PERMERROR;

    /** The lowercase word used in Authentication-Results, attributes and the CLI. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
