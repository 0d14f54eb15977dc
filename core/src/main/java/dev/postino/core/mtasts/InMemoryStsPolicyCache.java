package dev.postino.core.mtasts;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link StsPolicyCache} in the JVM's memory, bounded by {@code maxDomains} (then the new policy is not kept). */
public final class InMemoryStsPolicyCache implements StsPolicyCache {

    private final Map<String, CachedStsPolicy> policies = new ConcurrentHashMap<>();
    private final int maxDomains;

    public InMemoryStsPolicyCache(int maxDomains) {
        this.maxDomains = maxDomains;
    }

    @Override
    public Optional<CachedStsPolicy> get(String domain) {
        return Optional.ofNullable(policies.get(domain.toLowerCase(Locale.ROOT)));
    }

    @Override
    public void put(CachedStsPolicy policy) {
        String key = policy.domain().toLowerCase(Locale.ROOT);
        if (policies.size() < maxDomains || policies.containsKey(key)) {
            policies.put(key, policy);
        }
    }
}
