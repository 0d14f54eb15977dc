package dev.postino.core.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

import com.google.common.net.InetAddresses;

/**
 * IP address literals: strict parsing that never asks DNS (a dotted quad without
 * leading zeros, or an IPv6 literal), the IPv4-mapped IPv6 form taken as IPv4 (RFC 7208 §5), and the
 * text forms the macros need.
 */
public final class IpLiteral {

    private IpLiteral() {
    }

    /**
     * Parses an IPv4 or IPv6 literal; an IPv4-mapped IPv6 address comes back as the IPv4 address.
     *
     * @throws IllegalArgumentException when {@code text} is not an address literal
     */
    public static InetAddress parse(String text) {
        byte[] bytes = text == null ? null : parseIpv4(text);
        if (bytes == null && text != null) {
            bytes = parseIpv6(text);
        }
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
        }
        return address(bytes);
    }

    /** Like {@link #parse}, but empty instead of an exception (for addresses a sender or James hands over). */
    public static Optional<InetAddress> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (IllegalArgumentException notAnAddress) {
            return Optional.empty();
        }
    }

    /** The address's octets, 4 for IPv4 (also for an IPv4-mapped IPv6 address), else 16. */
    public static byte[] octets(InetAddress address) {
        return unmapped(address.getAddress());
    }

    public static InetAddress address(byte[] octets) {
        try {
            return InetAddress.getByAddress(unmapped(octets));
        } catch (UnknownHostException impossible) {
            throw new IllegalArgumentException(impossible);
        }
    }

    private static byte[] unmapped(byte[] octets) {
        if (octets.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (octets[i] != 0) {
                    return octets;
                }
            }
            if (octets[10] == (byte) 0xff && octets[11] == (byte) 0xff) {
                return Arrays.copyOfRange(octets, 12, 16);
            }
        }
        return octets;
    }

    /** RFC 7208's ip4-network: four decimal octets, no leading zeros; null when not one. */
    public static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] octets = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return null;
            }
            octets[i] = (byte) value;
        }
        return octets;
    }

    /** An IPv6 literal (RFC 4291 §2.2: hex groups, one {@code ::}, optional trailing dotted quad); null when not one. */
    public static byte[] parseIpv6(String text) {
        // Guava parses without DNS; a zone index (%eth0) or a bare IPv4 is no IPv6 literal here
        if (text.length() < 2 || text.length() > 45 || text.indexOf(':') < 0 || text.indexOf('%') >= 0) {
            return null;
        }
        byte[] octets;
        try {
            octets = InetAddresses.forString(text).getAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return null;
        }
        if (octets.length == 16) {
            return octets;
        }
        // Java hands an IPv4-mapped literal back as IPv4: the 16 octets it was written as
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(octets, 0, mapped, 12, 4);
        return mapped;
    }

    /** The readable form: dotted quad, or RFC 5952 IPv6 (lower case, the longest run of zero groups as {@code ::}). */
    public static String format(InetAddress address) {
        return InetAddresses.toAddrString(address(octets(address)));
    }

    /** The {@code %{i}} form: dotted quad, or 32 dot-separated lower-case nibbles for IPv6 (RFC 7208 §7.3). */
    public static String dotted(InetAddress address) {
        byte[] octets = octets(address);
        if (octets.length == 4) {
            return format(address);
        }
        StringBuilder text = new StringBuilder(63);
        for (byte octet : octets) {
            if (text.length() > 0) {
                text.append('.');
            }
            text.append(Character.forDigit((octet >> 4) & 0xf, 16)).append('.').append(Character.forDigit(octet & 0xf, 16));
        }
        return text.toString();
    }

    /** Whether {@code address} lies in {@code network/prefix} (octets); an address of the other family never does. */
    public static boolean inPrefix(byte[] network, int prefix, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        int bits = prefix % 8;
        if (bits == 0) {
            return true;
        }
        int mask = (0xff << (8 - bits)) & 0xff;
        return (network[whole] & mask) == (address[whole] & mask);
    }

    public static boolean isIpv4(InetAddress address) {
        return address instanceof Inet4Address || octets(address).length == 4;
    }
}
