package dev.postino.core.dmarc;

import com.google.common.net.InternetDomainName;

/**
 * RFC 7489's Organizational Domain (§3.2): the public suffix plus one label, by Guava's copy of the Public
 * Suffix List, private suffixes (e.g. {@code blogspot.com}) included as older receivers used the whole list.
 */
public final class PublicSuffixOrganizationalDomain {

    private PublicSuffixOrganizationalDomain() {
    }

    /** The Organizational Domain of {@code domain}; the domain itself when the list has nothing to say. */
    public static String of(String domain) {
        try {
            // Guava refuses underscores (common in _dmarc-style and DKIM names): they never matter to the
            // list, so look the name up with them replaced and cut the original at the same label count
            InternetDomainName name = InternetDomainName.from(domain.replace('_', 'u'));
            if (!name.isUnderPublicSuffix()) {
                return domain;
            }
            int labels = name.topPrivateDomain().parts().size();
            String[] parts = domain.split("\\.");
            return String.join(".", java.util.Arrays.copyOfRange(parts, parts.length - labels, parts.length));
        } catch (IllegalArgumentException | IllegalStateException notListed) {
            return domain;
        }
    }
}
