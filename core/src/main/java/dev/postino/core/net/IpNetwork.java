package dev.postino.core.net;

import java.net.InetAddress;
import java.util.Optional;


/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}; a bare address
 * is a single host). Used for the trusted networks that authentication checks skip.
 *
 * @param base   the network address as given (host bits are ignored when matching)
 * @param prefix the prefix length
 */
public record IpNetwork(InetAddress base, int prefix) {

    public IpNetwork {
        int bits = base.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range 0.." + bits);
        }
    }

    /**
     * Parses {@code ADDRESS[/PREFIX]}.
     *
     * @throws IllegalArgumentException naming the text and what was expected
     */
    public static IpNetwork parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        Optional<InetAddress> base = IpLiteral.tryParse(address);
        if (base.isEmpty()) {
            throw new IllegalArgumentException("expected an IP network such as 192.0.2.0/24 or 2001:db8::/32, got '" + text + "'");
        }
        int bits = base.get().getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = trimmed.substring(slash + 1);
            if (!digits.matches("\\d{1,3}") || Integer.parseInt(digits) > bits) {
                throw new IllegalArgumentException("expected a prefix length from 0 to " + bits + " in '" + text + "'");
            }
            prefix = Integer.parseInt(digits);
        }
        return new IpNetwork(base.get(), prefix);
    }

    /** True when {@code address} is in this network (an IPv4-mapped IPv6 address counts as IPv4). */
    public boolean contains(InetAddress address) {
        return IpLiteral.inPrefix(IpLiteral.octets(base), prefix, IpLiteral.octets(address));
    }

    @Override
    public String toString() {
        return base.getHostAddress() + "/" + prefix;
    }
}
