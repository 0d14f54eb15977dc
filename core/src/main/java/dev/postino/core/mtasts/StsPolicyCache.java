package dev.postino.core.mtasts;

import java.util.Optional;

/**
 * Where fetched MTA-STS policies are kept between deliveries, one per domain (the latest fetched). The store-backed
 * implementation shares them across restarts and cluster members; {@link InMemoryStsPolicyCache} keeps them in the JVM.
 */
public interface StsPolicyCache {

    /** The policy kept for {@code domain} (lower case), expired or not. */
    Optional<CachedStsPolicy> get(String domain);

    /** Keeps {@code policy} for its domain, replacing what was kept. */
    void put(CachedStsPolicy policy);
}
