package dev.postino.cli;

import dev.postino.core.dns.DnsConfig;

/** The common {@code --dns HOST:PORT[,HOST:PORT...]} option: which resolvers to ask (default: the system's). */
final class DnsOption {

    private DnsOption() {
    }

    static DnsConfig config(Arguments arguments) throws UsageException {
        String servers = arguments.value("dns");
        if (servers == null) {
            return DnsConfig.defaults();
        }
        try {
            return DnsConfig.defaults().withServers(DnsConfig.parseServers(servers));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dns: " + e.getMessage());
        }
    }
}
