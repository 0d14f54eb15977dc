package dev.postino.core.dns;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded cache of DNS answers that honours each answer's TTL, positive and negative (RFC 2308),
 * capped by a maximum. The least recently used entry goes first when it is full. Failures are never cached.
 */
final class DnsCache {

    private record Key(String name, int type) {
    }

    private record Entry(DnsResult<?> result, Instant expires) {
    }

    private final int capacity;
    private final Duration maxTtl;
    private final Clock clock;
    private final LinkedHashMap<Key, Entry> entries;

    DnsCache(int capacity, Duration maxTtl, Clock clock) {
        this.capacity = capacity;
        this.maxTtl = maxTtl;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > DnsCache.this.capacity;
            }
        };
    }

    @SuppressWarnings("unchecked")
    synchronized <T> DnsResult<T> get(String name, int type) {
        Key key = new Key(name, type);
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.expires())) {
            entries.remove(key);
            return null;
        }
        return (DnsResult<T>) entry.result();
    }

    synchronized void put(String name, int type, DnsResult<?> result) {
        if (capacity == 0) {
            return;
        }
        boolean cacheable = result.hasRecords() || result.isEmptyAnswer();
        Duration ttl = result.ttl().compareTo(maxTtl) > 0 ? maxTtl : result.ttl();
        if (!cacheable || ttl.isZero() || ttl.isNegative()) {
            return;
        }
        entries.put(new Key(name, type), new Entry(result, clock.instant().plus(ttl)));
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized void clear() {
        entries.clear();
    }
}
