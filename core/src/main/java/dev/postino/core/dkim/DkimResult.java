package dev.postino.core.dkim;

import java.util.Objects;

/**
 * The verdict for one DKIM-Signature header field, with what Authentication-Results and DMARC need.
 *
 * @param verdict         the RFC 8601 result
 * @param domain          the signing domain (d=), lowercase; empty when the field could not be parsed that far
 * @param selector        the selector (s=); may be empty
 * @param algorithm       the a= value as written; may be empty
 * @param identity        the agent or user identifier (i=, decoded), or {@code @domain} when absent; may be empty
 * @param headerB         the first characters of b= (at least 8, more when needed to tell signatures apart), for
 *                        {@code header.b} (RFC 6008); may be empty
 * @param reason          why, for people (e.g. "body hash did not verify")
 * @param unsignedContent true when l= left part of the body outside the signature (DMARC should not treat that
 *                        content as authenticated)
 * @param testing         true when the key record says t=y: the domain is testing DKIM, so the verdict should not
 *                        count against the message
 */
public record DkimResult(DkimVerdict verdict, String domain, String selector, String algorithm, String identity,
                         String headerB, String reason, boolean unsignedContent, boolean testing) {

    public DkimResult {
        Objects.requireNonNull(verdict, "verdict");
        domain = Objects.requireNonNullElse(domain, "");
        selector = Objects.requireNonNullElse(selector, "");
        algorithm = Objects.requireNonNullElse(algorithm, "");
        identity = Objects.requireNonNullElse(identity, "");
        headerB = Objects.requireNonNullElse(headerB, "");
        reason = Objects.requireNonNullElse(reason, "");
    }

    /** The same result with another header.b (the verifier lengthens prefixes that two signatures share). */
    DkimResult withHeaderB(String newHeaderB) {
        return new DkimResult(verdict, domain, selector, algorithm, identity, newHeaderB, reason, unsignedContent, testing);
    }
}
