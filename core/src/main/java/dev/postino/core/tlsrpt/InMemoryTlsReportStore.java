package dev.postino.core.tlsrpt;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link TlsReportStore} in the JVM's memory: lost on restart (use the store-backed one in production). */
public final class InMemoryTlsReportStore implements TlsReportStore {

    private record Key(LocalDate day, TlsPolicyKey policy, TlsResultType failure, String mx, String ip) {
    }

    private static final int MAX_KEYS = 100_000;

    private final Map<Key, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Set<DayDomain> claimed = ConcurrentHashMap.newKeySet();

    @Override
    public void count(LocalDate day, TlsPolicyKey policy, TlsResultType failure, String receivingMx, String receivingIp) {
        Key key = new Key(day, policy, failure, failure == null || receivingMx == null ? "" : receivingMx,
            failure == null || receivingIp == null ? "" : receivingIp);
        if (counts.size() < MAX_KEYS || counts.containsKey(key)) {
            counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
    }

    @Override
    public List<TlsSessionCount> counts(LocalDate day, String domain) {
        List<TlsSessionCount> found = new ArrayList<>();
        counts.forEach((k, n) -> {
            if (k.day.equals(day) && k.policy.domain().equals(domain)) {
                found.add(new TlsSessionCount(k.day, k.policy, k.failure, k.mx, k.ip, n.get()));
            }
        });
        return found;
    }

    @Override
    public List<DayDomain> unreported(LocalDate today, int max) {
        return counts.keySet().stream().filter(k -> k.day.isBefore(today)).map(k -> new DayDomain(k.day, k.policy.domain()))
            .distinct().filter(d -> !claimed.contains(d))
            .sorted(Comparator.comparing(DayDomain::day).thenComparing(DayDomain::domain)).limit(max).toList();
    }

    @Override
    public boolean claim(LocalDate day, String domain) {
        return claimed.add(new DayDomain(day, domain));
    }

    @Override
    public void release(LocalDate day, String domain) {
        claimed.remove(new DayDomain(day, domain));
    }

    @Override
    public void forgetBefore(LocalDate day) {
        counts.keySet().removeIf(k -> k.day.isBefore(day));
        claimed.removeIf(d -> d.day().isBefore(day));
    }
}
