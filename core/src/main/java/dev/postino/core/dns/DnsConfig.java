package dev.postino.core.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.postino.core.net.IpLiteral;

/**
 * How a {@link DnsClient} asks: which resolvers, how long to wait, how often to retry, how much to cache.
 *
 * @param servers resolvers to ask, in order; empty means the system's (read from dnsjava's
 *                {@code ResolverConfig}, never changed)
 * @param queryTimeout how long one query to one server may take
 * @param retries how many more rounds over the server list after the first, on timeout or network error
 * @param cacheSize maximum number of cached answers (0 disables the cache)
 * @param maxCacheTtl the longest time an answer stays cached, whatever its TTL says
 * @param ednsPayloadSize advertised EDNS(0) UDP payload size; 0 sends no EDNS, so any answer over
 *                        512 octets comes back truncated and is asked again over TCP
 * @param limits how many queries may be in flight, per zone and per evaluation, and the backoff for zones
 *               that do not answer
 */
public record DnsConfig(List<InetSocketAddress> servers, Duration queryTimeout, int retries, int cacheSize,
                        Duration maxCacheTtl, int ednsPayloadSize, DnsLimits limits) {

    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_RETRIES = 1;
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    public static final Duration DEFAULT_MAX_CACHE_TTL = Duration.ofHours(1);
    /** The DNS Flag Day 2020 value: avoids IP fragmentation on any path. */
    public static final int DEFAULT_EDNS_PAYLOAD_SIZE = 1232;

    public DnsConfig {
        servers = List.copyOf(servers);
        if (queryTimeout.isNegative() || queryTimeout.isZero()) {
            throw new IllegalArgumentException("queryTimeout must be positive, was " + queryTimeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, was " + retries);
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cacheSize must be >= 0, was " + cacheSize);
        }
        if (ednsPayloadSize != 0 && (ednsPayloadSize < 512 || ednsPayloadSize > 65535)) {
            throw new IllegalArgumentException("ednsPayloadSize must be 0 or 512..65535, was " + ednsPayloadSize);
        }
        if (limits == null) {
            throw new IllegalArgumentException("limits must be given");
        }
    }

    /**
     * The defaults: the system's resolvers, 5 s per query, one retry, 10,000 cached answers for at most 1 h,
     * {@link DnsLimits#defaults()}.
     */
    public static DnsConfig defaults() {
        return new DnsConfig(List.of(), DEFAULT_QUERY_TIMEOUT, DEFAULT_RETRIES, DEFAULT_CACHE_SIZE,
            DEFAULT_MAX_CACHE_TTL, DEFAULT_EDNS_PAYLOAD_SIZE, DnsLimits.defaults());
    }

    public DnsConfig withServers(List<InetSocketAddress> newServers) {
        return new DnsConfig(newServers, queryTimeout, retries, cacheSize, maxCacheTtl, ednsPayloadSize, limits);
    }

    public DnsConfig withQueryTimeout(Duration timeout) {
        return new DnsConfig(servers, timeout, retries, cacheSize, maxCacheTtl, ednsPayloadSize, limits);
    }

    public DnsConfig withRetries(int newRetries) {
        return new DnsConfig(servers, queryTimeout, newRetries, cacheSize, maxCacheTtl, ednsPayloadSize, limits);
    }

    public DnsConfig withCacheSize(int size) {
        return new DnsConfig(servers, queryTimeout, retries, size, maxCacheTtl, ednsPayloadSize, limits);
    }

    public DnsConfig withMaxCacheTtl(Duration ttl) {
        return new DnsConfig(servers, queryTimeout, retries, cacheSize, ttl, ednsPayloadSize, limits);
    }

    public DnsConfig withEdnsPayloadSize(int size) {
        return new DnsConfig(servers, queryTimeout, retries, cacheSize, maxCacheTtl, size, limits);
    }

    public DnsConfig withLimits(DnsLimits newLimits) {
        return new DnsConfig(servers, queryTimeout, retries, cacheSize, maxCacheTtl, ednsPayloadSize, newLimits);
    }

    /**
     * Parses a resolver list: {@code HOST[:PORT]} entries separated by commas or spaces, where HOST is an
     * IPv4 address, an IPv6 address in brackets ({@code [::1]:53}) or bare ({@code ::1}, port 53).
     * Host names are refused: a resolver must be reachable without asking DNS.
     *
     * @throws IllegalArgumentException naming the entry and what was expected
     */
    public static List<InetSocketAddress> parseServers(String text) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String entry : text.trim().split("[,\\s]+")) {
            if (!entry.isEmpty()) {
                servers.add(parseServer(entry));
            }
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("expected HOST:PORT[,HOST:PORT...], found no resolver in '" + text + "'");
        }
        return servers;
    }

    private static InetSocketAddress parseServer(String entry) {
        String host;
        String port = null;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw badServer(entry, "a ']' closing the IPv6 address");
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw badServer(entry, "':PORT' after ']'");
                }
                port = rest.substring(1);
            }
        } else if (entry.indexOf(':') != entry.lastIndexOf(':')) {
            host = entry; // bare IPv6 address, default port
        } else {
            int colon = entry.indexOf(':');
            host = colon < 0 ? entry : entry.substring(0, colon);
            port = colon < 0 ? null : entry.substring(colon + 1);
        }
        int portNumber = 53;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw badServer(entry, "a port number from 1 to 65535");
            }
            if (portNumber < 1 || portNumber > 65535) {
                throw badServer(entry, "a port number from 1 to 65535");
            }
        }
        InetAddress address = IpLiteral.tryParse(host)
            .orElseThrow(() -> badServer(entry, "an IPv4 or IPv6 address, not a host name,"));
        return new InetSocketAddress(address, portNumber);
    }

    private static IllegalArgumentException badServer(String entry, String expected) {
        return new IllegalArgumentException("expected " + expected + " in '" + entry + "'");
    }
}
