package dev.postino.core.mtasts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.tlsrpt.TlsResultType;

/**
 * The MTA-STS policy that applies to a recipient domain now (RFC 8461 section 5.1), from its {@code _mta-sts} TXT record,
 * the {@link StsPolicyCache} and, when needed, a fetch:
 * <ul>
 *   <li>a cached policy still valid under the record's id is used without a fetch, unless three quarters of its
 *       {@code max_age} have passed: then it is fetched again, and kept if that fails;</li>
 *   <li>a new id (or no valid cached policy) fetches; a fetched policy is cached under the id;</li>
 *   <li>a failed fetch, a missing or unusable TXT record, or a DNS failure: the cached policy while it is valid, else
 *       none (deliver as without MTA-STS, section 5). A failed fetch for a domain is not repeated for
 *       {@link #FAILURE_PAUSE} (that is what makes a down or slow policy host cost one fetch, not one per mail).</li>
 * </ul>
 * Thread-safe; never throws for anything DNS or the policy host does.
 */
public final class StsPolicyLookup {

    /** How long a failed fetch is remembered in this JVM before the domain's policy host is asked again. */
    public static final Duration FAILURE_PAUSE = Duration.ofMinutes(5);
    private static final int MAX_REMEMBERED_FAILURES = 10_000;

    /** Fetches a domain's policy (the HTTPS part); {@link StsPolicyFetcher} is the real one. */
    @FunctionalInterface
    public interface Fetcher {
        StsPolicyFetcher.Result fetch(String domain);
    }

    /** Looks up the TXT records of a name, waiting for the answer. */
    @FunctionalInterface
    public interface TxtLookup {
        DnsResult<String> txt(String name);

        /** Through Postino's DNS client, one query within {@code timeBudget}. */
        static TxtLookup of(DnsClient dns, Duration timeBudget) {
            return name -> dns.txt(name, DnsBudget.of(2, timeBudget)).join();
        }
    }

    /**
     * What applies to a domain.
     *
     * @param policy  the policy to apply, or empty for none
     * @param failure when discovery failed (fetch, invalid policy, certificate), its RFC 8460 type, else null; may come
     *                with a cached policy that is used instead
     * @param reason  what happened, for the log and reports ({@code policy id 123 cached}, the fetch failure...)
     */
    public record Discovery(Optional<CachedStsPolicy> policy, TlsResultType failure, String reason) {
        public Discovery {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(reason, "reason");
        }

        /** The mode to apply: the policy's, or {@link StsMode#NONE} without one. */
        public StsMode mode() {
            return policy.map(p -> p.policy().mode()).orElse(StsMode.NONE);
        }
    }

    private record RememberedFailure(String id, TlsResultType type, String reason, Instant until) {
    }

    private final TxtLookup dns;
    private final Fetcher fetcher;
    private final StsPolicyCache cache;
    private final Clock clock;
    private final Map<String, RememberedFailure> failures = new ConcurrentHashMap<>();

    public StsPolicyLookup(TxtLookup dns, Fetcher fetcher, StsPolicyCache cache, Clock clock) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What applies to mail for {@code domain} now. */
    public Discovery discover(String domain) {
        String name = domain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Optional<CachedStsPolicy> cached;
        try {
            cached = cache.get(name).filter(p -> p.validAt(now));
        } catch (RuntimeException e) {
            cached = Optional.empty(); // a failing store must not stop delivery: as without a cached policy
        }
        DnsResult<String> txt = dns.txt("_mta-sts." + name);
        Optional<StsRecord> record = txt.hasRecords() ? StsRecord.select(txt.values()) : Optional.empty();
        if (record.isEmpty()) {
            String why = txt.isTemporaryFailure() ? "the _mta-sts TXT lookup failed (" + txt.reason() + ")"
                : "no valid _mta-sts TXT record";
            return cached.map(p -> new Discovery(Optional.of(p), null, why + "; cached policy id " + p.id() + " applies"))
                .orElseGet(() -> new Discovery(Optional.empty(), null, why));
        }
        String id = record.get().id();
        if (cached.isPresent() && cached.get().id().equals(id) && !cached.get().refreshDueAt(now)) {
            return new Discovery(cached, null, "cached policy id " + id);
        }
        RememberedFailure failed = failures.get(name);
        if (failed != null && failed.id.equals(id) && now.isBefore(failed.until)) {
            return withoutFetch(cached, failed.type, failed.reason);
        }
        StsPolicyFetcher.Result result;
        try {
            result = fetcher.fetch(name);
        } catch (RuntimeException e) {
            result = new StsPolicyFetcher.Failed(TlsResultType.STS_POLICY_FETCH_ERROR, "fetch failed: " + e);
        }
        if (result instanceof StsPolicyFetcher.Fetched fetched) {
            failures.remove(name);
            CachedStsPolicy fresh = new CachedStsPolicy(name, id, fetched.policy(), now);
            try {
                cache.put(fresh);
            } catch (RuntimeException e) {
                // used for this delivery all the same; the next one fetches again
            }
            return new Discovery(Optional.of(fresh), null, "policy id " + id + " fetched");
        }
        StsPolicyFetcher.Failed failure = (StsPolicyFetcher.Failed) result;
        if (failures.size() < MAX_REMEMBERED_FAILURES || failures.containsKey(name)) {
            failures.put(name, new RememberedFailure(id, failure.type(), failure.reason(), now.plus(FAILURE_PAUSE)));
        }
        return withoutFetch(cached, failure.type(), failure.reason());
    }

    private static Discovery withoutFetch(Optional<CachedStsPolicy> cached, TlsResultType type, String reason) {
        return cached.map(p -> new Discovery(Optional.of(p), type, reason + "; cached policy id " + p.id() + " applies"))
            .orElseGet(() -> new Discovery(Optional.empty(), type, reason + "; no policy applies"));
    }

    /** Forgets remembered fetch failures (tests, and an administrator who fixed a policy host). */
    public void forgetFailures() {
        failures.clear();
    }

}
