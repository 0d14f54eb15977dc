package dev.postino.it;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.google.common.net.InetAddresses;

/**
 * Points a working copy of a James configuration at given resolvers, as {@code ./postino run --dns} does:
 * James's own DNS service ({@code dnsservice.xml}: autodiscovery off, these servers) and every Postino
 * mailet and hook that names its own ({@code <dnsServers>} in {@code mailetcontainer.xml} and
 * {@code smtpserver.xml}); the others take the JVM-wide {@code postino.dns.servers}.
 */
final class ResolverRewrite {

    private static final Pattern DNS_SERVERS = Pattern.compile("<dnsServers\\s*/>|<dnsServers>[^<]*</dnsServers>");
    private static final Pattern JAMES_SETTINGS = Pattern.compile(
        "\\s*(<autodiscover>[^<]*</autodiscover>|<autodiscover\\s*/>|<servers>.*?</servers>|<servers\\s*/>)", Pattern.DOTALL);
    private static final Pattern DNSSERVICE_OPEN = Pattern.compile("<dnsservice(\\s[^>]*)?>");

    private ResolverRewrite() {
    }

    /** {@code HOST:PORT,...} as the mailets' {@code dnsServers} takes it ({@code [v6]:PORT} for IPv6). */
    static String hostPorts(List<InetSocketAddress> servers) {
        return servers.stream()
            .map(s -> (s.getAddress() instanceof Inet6Address ? "[" + host(s) + "]" : host(s)) + ":" + s.getPort())
            .collect(Collectors.joining(","));
    }

    /**
     * {@code dnsservice.xml} asking only {@code servers} (by address: James's file takes no port, so
     * {@link AnyPortDnsService} adds the ports); other settings kept. An empty file becomes a whole one.
     */
    static String dnsServiceXml(String original, List<InetSocketAddress> servers) {
        String entries = servers.stream()
            .map(s -> "\n        <server>" + host(s) + "</server>")
            .collect(Collectors.joining());
        String settings = "\n    <!-- resolvers set by ./postino run: " + hostPorts(servers) + " -->"
            + "\n    <servers>" + entries + "\n    </servers>"
            + "\n    <autodiscover>false</autodiscover>";
        Matcher open = DNSSERVICE_OPEN.matcher(original);
        if (!open.find()) {
            return "<?xml version=\"1.0\"?>\n<dnsservice>" + settings + "\n</dnsservice>\n";
        }
        String rest = JAMES_SETTINGS.matcher(original.substring(open.end())).replaceAll("");
        return original.substring(0, open.end()) + settings + rest;
    }

    /** Every {@code <dnsServers>} element set to {@code hostPorts}; a file without one is unchanged. */
    static String mailetDnsServers(String xml, String hostPorts) {
        return DNS_SERVERS.matcher(xml).replaceAll(Matcher.quoteReplacement("<dnsServers>" + hostPorts + "</dnsServers>"));
    }

    private static String host(InetSocketAddress server) {
        return InetAddresses.toAddrString(server.getAddress());
    }
}
