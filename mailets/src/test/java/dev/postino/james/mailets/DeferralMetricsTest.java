package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.metrics.api.Gauge;
import org.apache.james.metrics.api.GaugeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.deferral.DeferralStore;
import dev.postino.core.deferral.DeferredMail;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

class DeferralMetricsTest {

    /** Gauges by name, as James's registry keeps them; a name registered twice is refused, as Dropwizard does. */
    private static final class Gauges implements GaugeRegistry {
        final Map<String, Gauge<?>> gauges = new ConcurrentHashMap<>();

        @Override
        public <T> GaugeRegistry register(String name, Gauge<T> gauge) {
            if (gauges.putIfAbsent(name, gauge) != null) {
                throw new IllegalArgumentException("A metric named " + name + " already exists");
            }
            return this;
        }

        @Override
        public <T> SettableGauge<T> settableGauge(String name) {
            throw new UnsupportedOperationException();
        }
    }

    @TempDir
    Path directory;

    @Test
    void countsParkedMailAndTellsTheOldestDueTime() {
        Instant due = Instant.parse("2026-03-01T10:00:00Z");
        try (StoreBackends.TestStore backend = StoreBackends.embedded(directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            DeferralStore deferred = new DeferralStore(store, "node");
            deferred.park(new DeferredMail("m1", "a@example.org", List.of(RecipientState.arrived("b@one.test", due)), due,
                "{}".getBytes(StandardCharsets.UTF_8), "Subject: x\r\n\r\n".getBytes(StandardCharsets.UTF_8), false), due);
            Gauges gauges = new Gauges();

            DeferralMetrics.register(gauges, deferred);
            DeferralMetrics.register(gauges, deferred); // a second mailet: no failure, the first gauges stay

            assertThat(gauges.gauges.get(DeferralMetrics.COUNT).get()).isEqualTo(1L);
            assertThat(gauges.gauges.get(DeferralMetrics.OLDEST_DUE).get()).isEqualTo(due.getEpochSecond());
        }
    }
}
