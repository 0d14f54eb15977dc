package dev.postino.core.dns;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One {@link DnsClient} per configuration and purpose, shared by everything that asks DNS with it, so that
 * SPF, DKIM, DMARC and iprev share one cache and one set of limits (as a mail server has one resolver), while
 * delivery's MX and address lookups have a client of their own: a flood of lookups a sender provokes in the
 * checks cannot hold back outgoing mail, nor the other way round. Each {@link #acquire} is paired with a
 * {@link #release}; the client closes when its last user releases it.
 */
public final class SharedDnsClients {

    /** What the lookups are for: each purpose has its own client, cache and capacity. */
    public enum Purpose {
        /** SPF, DKIM, DMARC, iprev: lookups for names a sender chooses. */
        CHECKS,
        /** Remote delivery: MX and address lookups for the recipients' domains. */
        DELIVERY
    }

    private record Key(DnsConfig config, Purpose purpose) {
    }

    private static final Map<Key, DnsClient> BY_KEY = new HashMap<>();
    private static final Map<DnsClient, Integer> USERS = new IdentityHashMap<>();

    private SharedDnsClients() {
    }

    /** The checks' client for {@code config}, created on first use. */
    public static DnsClient acquire(DnsConfig config) {
        return acquire(config, Purpose.CHECKS);
    }

    /** The client for {@code config} and {@code purpose}, created on first use. */
    public static synchronized DnsClient acquire(DnsConfig config, Purpose purpose) {
        DnsClient client = BY_KEY.computeIfAbsent(new Key(config, purpose), key -> DnsClient.create(key.config()));
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
            BY_KEY.values().remove(client);
            client.close();
        }
    }

    /** How many distinct clients are open; for tests. */
    static synchronized int openClients() {
        return USERS.size();
    }
}
