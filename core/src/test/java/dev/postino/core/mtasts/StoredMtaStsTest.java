package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;
import dev.postino.core.tlsrpt.StoredTlsReportStore;
import dev.postino.core.tlsrpt.TlsPolicyKey;
import dev.postino.core.tlsrpt.TlsReportStore;
import dev.postino.core.tlsrpt.TlsResultType;
import dev.postino.core.tlsrpt.TlsSessionCount;

/** The store-backed policy cache, TLS counts and report ledger (migration V4), on H2 and on PostgreSQL. */
class StoredMtaStsTest {

    private static final LocalDate DAY = LocalDate.parse("2026-11-30");

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void policiesSurviveARestart(StoreBackends.Kind kind) throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.com\nmx: mx.example.net\nmax_age: 604800\n");
        Instant fetched = Instant.parse("2026-12-01T10:00:00Z");
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory)) {
            try (PostinoStore store = PostinoStore.open(backend.config())) {
                StoredStsPolicyCache cache = new StoredStsPolicyCache(store);
                assertThat(cache.get("example.com")).isEmpty();
                cache.put(new CachedStsPolicy("example.com", "old", policy, fetched.minusSeconds(60)));
                cache.put(new CachedStsPolicy("Example.COM", "id2", policy, fetched));
            }
            try (PostinoStore store = PostinoStore.open(backend.config())) {
                CachedStsPolicy read = new StoredStsPolicyCache(store).get("EXAMPLE.com").orElseThrow();
                assertThat(read).isEqualTo(new CachedStsPolicy("example.com", "id2", policy, fetched));
                assertThat(read.policy().allows("a.example.com")).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void countsAddUpAcrossThreadsAndEachReportIsClaimedOnce(StoreBackends.Kind kind) throws Exception {
        TlsPolicyKey sts = new TlsPolicyKey(TlsPolicyKey.STS, "example.com", List.of("version: STSv1", "mode: enforce"),
            List.of("*.example.com"));
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            StoredTlsReportStore reports = new StoredTlsReportStore(store);
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Callable<Object>> work = new java.util.ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    work.add(() -> {
                        reports.count(DAY, sts, null, "", "");
                        reports.count(DAY, sts, TlsResultType.CERTIFICATE_NOT_TRUSTED, "mx.example.com", "192.0.2.1");
                        return null;
                    });
                }
                for (Future<Object> done : threads.invokeAll(work, 60, TimeUnit.SECONDS)) {
                    done.get();
                }
            } finally {
                threads.shutdownNow();
            }
            reports.count(DAY, TlsPolicyKey.noPolicy("example.com"), TlsResultType.STARTTLS_NOT_SUPPORTED, "mx.example.com", "192.0.2.1");
            reports.count(DAY.plusDays(1), sts, null, "", "");

            List<TlsSessionCount> counts = reports.counts(DAY, "example.com");
            assertThat(counts).filteredOn(c -> c.failure() == null).singleElement()
                .satisfies(c -> assertThat(c.count()).isEqualTo(20)).satisfies(c -> assertThat(c.policy()).isEqualTo(sts));
            assertThat(counts).filteredOn(c -> c.failure() == TlsResultType.CERTIFICATE_NOT_TRUSTED).singleElement()
                .satisfies(c -> assertThat(c.count()).isEqualTo(20))
                .satisfies(c -> assertThat(c.receivingMx()).isEqualTo("mx.example.com"));
            assertThat(counts).filteredOn(c -> c.policy().type().equals(TlsPolicyKey.NO_POLICY)).hasSize(1);

            assertThat(reports.unreported(DAY.plusDays(1), 10)).containsExactly(new TlsReportStore.DayDomain(DAY, "example.com"));
            assertThat(reports.claim(DAY, "example.com")).isTrue();
            assertThat(new StoredTlsReportStore(store).claim(DAY, "example.com")).isFalse();
            reports.release(DAY, "example.com"); // it reached no destination: claimed again by the next look
            assertThat(reports.unreported(DAY.plusDays(1), 10)).containsExactly(new TlsReportStore.DayDomain(DAY, "example.com"));
            assertThat(new StoredTlsReportStore(store).claim(DAY, "example.com")).isTrue();
            assertThat(reports.claim(DAY, "example.com")).isFalse();
            assertThat(reports.unreported(DAY.plusDays(2), 10))
                .containsExactly(new TlsReportStore.DayDomain(DAY.plusDays(1), "example.com"));
            reports.forgetBefore(DAY.plusDays(1));
            assertThat(reports.counts(DAY, "example.com")).isEmpty();
            assertThat(reports.claim(DAY, "example.com")).as("the ledger of that day is gone too").isTrue();
            assertThat(reports.counts(DAY.plusDays(1), "example.com")).hasSize(1);
        }
    }
}
