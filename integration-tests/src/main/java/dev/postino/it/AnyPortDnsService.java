package dev.postino.it;

import java.net.InetSocketAddress;
import java.util.List;

import org.apache.james.dnsservice.dnsjava.DNSJavaService;
import org.apache.james.metrics.api.MetricFactory;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/**
 * James's DNS service asking resolvers on any port: {@code dnsservice.xml}'s {@code <server>} takes an
 * address only (port 53), so {@code ./postino run --dns 127.0.0.1:5353} (or {@code --demo-dns}) binds this
 * in its place. Everything else (cache, timeouts, search paths) is James's, read from the same file.
 */
final class AnyPortDnsService extends DNSJavaService {

    private final List<InetSocketAddress> servers;

    AnyPortDnsService(MetricFactory metricFactory, List<InetSocketAddress> servers) {
        super(metricFactory);
        this.servers = List.copyOf(servers);
    }

    @Override
    public void init() throws Exception {
        super.init();
        Resolver configured = resolver;
        resolver = new ExtendedResolver(servers.stream().map(SimpleResolver::new).toArray(Resolver[]::new));
        if (Lookup.getDefaultResolver() == configured) {
            // James made its resolver dnsjava's default (setAsDNSJavaDefault): keep that true of ours
            Lookup.setDefaultResolver(resolver);
        }
    }
}
