package dev.postino.core.dns;

import java.util.Locale;

import org.xbill.DNS.Name;

import com.google.common.net.InternetDomainName;

/**
 * Which "zone" a query counts against for the per-zone limits and backoff: a heuristic for "whoever
 * controls the answer", coarse enough that a sender cannot escape their share by inventing names, fine
 * enough that one hostile party does not share with unrelated ones.
 *
 * <ul>
 *   <li>Names under a public suffix (the Public Suffix List, ICANN and private sections, as Guava ships it):
 *       the registered domain, e.g. {@code x.y.evil.co.uk} counts against {@code evil.co.uk};</li>
 *   <li>{@code in-addr.arpa}: the /24 ({@code 4.3.2.1.in-addr.arpa} counts against
 *       {@code 3.2.1.in-addr.arpa}); {@code ip6.arpa}: the /48 (12 nibbles). The list would say /8 and
 *       /4, which would let one network's silent reverse zone hold back everybody's iprev;</li>
 *   <li>anything else (names the list does not cover, or that it cannot read): the last two labels.</li>
 * </ul>
 */
final class ZoneKey {

    private static final int IPV4_REVERSE_LABELS = 3 + 2;
    private static final int IPV6_REVERSE_LABELS = 12 + 2;

    private ZoneKey() {
    }

    /** The zone of {@code name} (absolute), in lower case without the final dot. */
    static String of(Name name) {
        int labels = name.labels() - (name.isAbsolute() ? 1 : 0);
        if (labels <= 2) {
            return text(name);
        }
        String second = name.getLabelString(labels - 2).toLowerCase(Locale.ROOT);
        String top = name.getLabelString(labels - 1).toLowerCase(Locale.ROOT);
        if (top.equals("arpa") && second.equals("in-addr")) {
            return suffix(name, labels, IPV4_REVERSE_LABELS);
        }
        if (top.equals("arpa") && second.equals("ip6")) {
            return suffix(name, labels, IPV6_REVERSE_LABELS);
        }
        return suffix(name, labels, registeredDomainLabels(text(name)));
    }

    /** The label count of the registered domain per the Public Suffix List; 2 when the list has no answer. */
    private static int registeredDomainLabels(String text) {
        if (text.indexOf('\\') >= 0) {
            return 2; // dnsjava's escapes: octets no host name has, which the list does not cover
        }
        try {
            // underscores never matter to the list, and Guava refuses them: ask with them replaced
            InternetDomainName domain = InternetDomainName.from(text.replace('_', 'u'));
            return domain.isUnderPublicSuffix() ? domain.topPrivateDomain().parts().size() : 2;
        } catch (IllegalArgumentException | IllegalStateException unreadable) {
            return 2;
        }
    }

    private static String suffix(Name name, int labels, int keep) {
        return keep >= labels ? text(name) : text(new Name(name, labels - keep));
    }

    private static String text(Name name) {
        String text = name.toString(true).toLowerCase(Locale.ROOT);
        return text.isEmpty() ? "." : text;
    }
}
