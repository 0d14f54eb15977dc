package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.DnsResult;
import dev.postino.core.tlsrpt.TlsResultType;

/** The policy cache and when it fetches (RFC 8461 section 5.1). */
class StsPolicyLookupTest {

    private static final String POLICY = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";

    private final MovingClock clock = new MovingClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final AtomicReference<DnsResult<String>> txt = new AtomicReference<>();
    private final AtomicReference<StsPolicyFetcher.Result> answer = new AtomicReference<>();
    private final List<String> fetched = new ArrayList<>();
    private InMemoryStsPolicyCache cache;
    private StsPolicyLookup lookup;

    @BeforeEach
    void setUp() throws Exception {
        txt.set(record("id1"));
        answer.set(new StsPolicyFetcher.Fetched(StsPolicy.parse(POLICY)));
        cache = new InMemoryStsPolicyCache(100);
        lookup = new StsPolicyLookup(name -> {
            assertThat(name).isEqualTo("_mta-sts.example.com");
            return txt.get();
        }, domain -> {
            fetched.add(domain);
            return answer.get();
        }, cache, clock);
    }

    private static DnsResult<String> record(String id) {
        return DnsResult.records(List.of("v=STSv1; id=" + id), Duration.ofMinutes(5));
    }

    @Test
    void fetchesOnceThenUsesTheCacheWhileTheIdIsUnchanged() {
        StsPolicyLookup.Discovery first = lookup.discover("Example.COM");
        assertThat(first.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(first.policy().orElseThrow().id()).isEqualTo("id1");
        clock.advance(Duration.ofHours(17));
        StsPolicyLookup.Discovery later = lookup.discover("example.com");
        assertThat(later.reason()).isEqualTo("cached policy id id1");
        assertThat(fetched).containsExactly("example.com");
    }

    @Test
    void refreshesBeforeExpiryAndKeepsTheOldPolicyWhenThatFails() {
        lookup.discover("example.com");
        clock.advance(Duration.ofHours(19)); // past three quarters of a day
        answer.set(new StsPolicyFetcher.Failed(TlsResultType.STS_POLICY_FETCH_ERROR, "down"));
        StsPolicyLookup.Discovery refreshing = lookup.discover("example.com");
        assertThat(fetched).hasSize(2);
        assertThat(refreshing.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(refreshing.failure()).isEqualTo(TlsResultType.STS_POLICY_FETCH_ERROR);
        assertThat(refreshing.reason()).contains("cached policy id id1 applies");
        clock.advance(Duration.ofHours(6)); // expired now
        StsPolicyLookup.Discovery expired = lookup.discover("example.com");
        assertThat(expired.policy()).isEmpty();
        assertThat(expired.reason()).contains("no policy applies");
    }

    @Test
    void aNewIdFetchesAgain() throws Exception {
        lookup.discover("example.com");
        txt.set(record("id2"));
        answer.set(new StsPolicyFetcher.Fetched(StsPolicy.parse(POLICY.replace("enforce", "testing"))));
        StsPolicyLookup.Discovery changed = lookup.discover("example.com");
        assertThat(fetched).hasSize(2);
        assertThat(changed.mode()).isEqualTo(StsMode.TESTING);
        assertThat(cache.get("example.com").orElseThrow().id()).isEqualTo("id2");
    }

    @Test
    void withoutATxtRecordTheCachedPolicyStillAppliesUntilItExpires() {
        lookup.discover("example.com");
        txt.set(DnsResult.temporaryFailure("SERVFAIL"));
        assertThat(lookup.discover("example.com").mode()).isEqualTo(StsMode.ENFORCE);
        txt.set(DnsResult.nxdomain(Duration.ofMinutes(5)));
        assertThat(lookup.discover("example.com").mode()).isEqualTo(StsMode.ENFORCE);
        clock.advance(Duration.ofDays(1));
        assertThat(lookup.discover("example.com").policy()).isEmpty();
        assertThat(fetched).hasSize(1);
    }

    @Test
    void aFailedFetchWithoutCacheIsNoPolicyAndIsNotRepeatedForAWhile() {
        answer.set(new StsPolicyFetcher.Failed(TlsResultType.STS_POLICY_INVALID, "garbage"));
        StsPolicyLookup.Discovery failed = lookup.discover("example.com");
        assertThat(failed.policy()).isEmpty();
        assertThat(failed.failure()).isEqualTo(TlsResultType.STS_POLICY_INVALID);
        assertThat(lookup.discover("example.com").failure()).isEqualTo(TlsResultType.STS_POLICY_INVALID);
        assertThat(fetched).hasSize(1);
        clock.advance(StsPolicyLookup.FAILURE_PAUSE);
        lookup.discover("example.com");
        assertThat(fetched).hasSize(2);
    }

    @Test
    void aFailingCacheOrFetcherNeverThrows() {
        StsPolicyLookup broken = new StsPolicyLookup(name -> txt.get(), domain -> {
            throw new IllegalStateException("bug");
        }, new StsPolicyCache() {
            @Override
            public java.util.Optional<CachedStsPolicy> get(String domain) {
                throw new IllegalStateException("store down");
            }

            @Override
            public void put(CachedStsPolicy policy) {
                throw new IllegalStateException("store down");
            }
        }, clock);
        StsPolicyLookup.Discovery discovery = broken.discover("example.com");
        assertThat(discovery.policy()).isEmpty();
        assertThat(discovery.failure()).isEqualTo(TlsResultType.STS_POLICY_FETCH_ERROR);
    }

    static final class MovingClock extends Clock {
        private Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        synchronized void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public synchronized Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
