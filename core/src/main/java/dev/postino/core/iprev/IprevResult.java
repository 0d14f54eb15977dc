package dev.postino.core.iprev;

import java.util.Locale;

/**
 * The verdict of the "iprev" method (RFC 8601 §3): does the client address's reverse name map back to it?
 *
 * @param verdict  the result
 * @param hostname the verified host name for {@code pass}; otherwise the first name found, or empty
 * @param reason   a short human reason
 */
public record IprevResult(Verdict verdict, String hostname, String reason) {

    /** RFC 8601 §2.7.3 results. */
    public enum Verdict {
        /** Reverse and forward lookups agree. */
        PASS,
        /** The PTR names exist but none maps back to the address. */
        FAIL,
        /** A DNS failure that may be transient. */
        TEMPERROR,
        /** No PTR data is published for the address. */
        PERMERROR;

        /** The RFC 8601 word, e.g. {@code pass}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
