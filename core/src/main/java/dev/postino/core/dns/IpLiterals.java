package dev.postino.core.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** IP address literals read without ever asking DNS (InetAddress.getByName would, for a host name). */
public final class IpLiterals {

    private IpLiterals() {
    }

    /** The address for an IPv4 dotted quad or an IPv6 literal (brackets and IPv6 zone not accepted); else empty. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || !DnsConfig.isIpLiteral(text)) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
