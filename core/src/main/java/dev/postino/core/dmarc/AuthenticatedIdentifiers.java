package dev.postino.core.dmarc;

import java.util.List;
import java.util.Objects;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.spf.SpfVerdict;

/**
 * What SPF and DKIM authenticated, as DMARC reads it (RFC 9989 §4.4).
 *
 * @param spfDomain  the domain SPF checked: the RFC5321.MailFrom domain, or the HELO name for a null
 *                   reverse-path; empty when SPF did not run
 * @param spfVerdict its verdict; only {@code pass} counts
 * @param dkim       every DKIM signature's verdict; only {@code pass} counts, and not when {@code l=} left
 *                   content unsigned (that content is not authenticated, so it must not carry the Author Domain)
 */
public record AuthenticatedIdentifiers(String spfDomain, SpfVerdict spfVerdict, List<DkimResult> dkim) {

    public AuthenticatedIdentifiers {
        spfDomain = spfDomain == null ? "" : spfDomain;
        Objects.requireNonNull(spfVerdict, "spfVerdict");
        dkim = List.copyOf(dkim);
    }

    /** Nothing authenticated. */
    public static AuthenticatedIdentifiers nothing() {
        return new AuthenticatedIdentifiers("", SpfVerdict.NONE, List.of());
    }
}
