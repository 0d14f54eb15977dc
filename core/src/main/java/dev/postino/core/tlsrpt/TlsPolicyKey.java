package dev.postino.core.tlsrpt;

import java.util.List;
import java.util.Objects;

/**
 * The policy a TLS session was made under, as RFC 8460 section 4.4 reports it.
 *
 * @param type         {@link #STS} or {@link #NO_POLICY}
 * @param domain       the recipient (policy) domain, lower case
 * @param policyString the policy's lines (empty without a policy)
 * @param mxHosts      the policy's {@code mx} patterns (empty without a policy)
 */
public record TlsPolicyKey(String type, String domain, List<String> policyString, List<String> mxHosts) {

    public static final String STS = "sts";
    public static final String NO_POLICY = "no-policy-found";

    public TlsPolicyKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(domain, "domain");
        policyString = List.copyOf(policyString);
        mxHosts = List.copyOf(mxHosts);
        if (!type.equals(STS) && !type.equals(NO_POLICY)) {
            throw new IllegalArgumentException("policy type " + type);
        }
    }

    public static TlsPolicyKey noPolicy(String domain) {
        return new TlsPolicyKey(NO_POLICY, domain, List.of(), List.of());
    }
}
