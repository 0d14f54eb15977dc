package dev.postino.core.dmarc;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one DMARC evaluation. Immutable.
 *
 * @param verdict      the result
 * @param headerFrom   the Author Domain evaluated (with several authors: the one that decided); may be empty
 * @param policyDomain the domain whose record applied; empty when none did
 * @param policy       the policy that applies to the Author Domain ({@code p}, {@code sp} or {@code np});
 *                     {@code none} without a record
 * @param disposition  what the receiver should do: the policy for {@code fail}, one step lower with
 *                     {@code t=y}; for a From that is not one mailbox (which never passes) the strictest policy
 *                     of its domains, at least the configured floor; {@code none} otherwise
 * @param testing      the record says {@code t=y}
 * @param spfAligned   an SPF pass aligned with the Author Domain
 * @param dkimDomain   the d= of the first aligned passing DKIM signature; empty when none
 * @param reason       a short human reason
 * @param published    the policy record that applied, for aggregate reports; empty when none did
 */
public record DmarcResult(DmarcVerdict verdict, String headerFrom, String policyDomain, DmarcPolicy policy,
                          DmarcPolicy disposition, boolean testing, boolean spfAligned, String dkimDomain,
                          String reason, Optional<PublishedPolicy> published) {

    /** A result without its published policy (tests, and outcomes no record decided). */
    public DmarcResult(DmarcVerdict verdict, String headerFrom, String policyDomain, DmarcPolicy policy,
                       DmarcPolicy disposition, boolean testing, boolean spfAligned, String dkimDomain, String reason) {
        this(verdict, headerFrom, policyDomain, policy, disposition, testing, spfAligned, dkimDomain, reason,
            Optional.empty());
    }

    public DmarcResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(disposition, "disposition");
        headerFrom = headerFrom == null ? "" : headerFrom;
        policyDomain = policyDomain == null ? "" : policyDomain;
        dkimDomain = dkimDomain == null ? "" : dkimDomain;
        reason = reason == null ? "" : reason;
        published = published == null ? Optional.empty() : published;
    }

    static DmarcResult withoutPolicy(DmarcVerdict verdict, String headerFrom, String reason) {
        return new DmarcResult(verdict, headerFrom, "", DmarcPolicy.NONE, DmarcPolicy.NONE, false, false, "", reason);
    }
}
