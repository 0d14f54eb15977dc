package dev.postino.core.dns;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One {@link DnsClient} per configuration, shared by everything that asks DNS with it, so that SPF, DKIM,
 * iprev and delivery share one cache and one thread pool (as a mail server has one resolver). Each
 * {@link #acquire} is paired with a {@link #release}; the client closes when its last user releases it.
 */
public final class SharedDnsClients {

    private static final Map<DnsConfig, DnsClient> BY_CONFIG = new HashMap<>();
    private static final Map<DnsClient, Integer> USERS = new IdentityHashMap<>();

    private SharedDnsClients() {
    }

    /** The client for {@code config}, created on first use. */
    public static synchronized DnsClient acquire(DnsConfig config) {
        DnsClient client = BY_CONFIG.computeIfAbsent(config, DnsClient::create);
        USERS.merge(client, 1, Integer::sum);
        return client;
    }

    /** Gives back a client from {@link #acquire}; null and unknown clients are ignored. */
    public static synchronized void release(DnsClient client) {
        if (client == null || !USERS.containsKey(client)) {
            return;
        }
        int left = USERS.merge(client, -1, Integer::sum);
        if (left <= 0) {
            USERS.remove(client);
            BY_CONFIG.values().remove(client);
            client.close();
        }
    }

    /** How many distinct clients are open; for tests. */
    static synchronized int openClients() {
        return USERS.size();
    }
}
