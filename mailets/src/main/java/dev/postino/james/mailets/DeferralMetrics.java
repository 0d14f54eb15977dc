package dev.postino.james.mailets;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.james.metrics.api.GaugeRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.base.Suppliers;

import dev.postino.core.deferral.DeferralStore;

/**
 * The deferral store's gauges in James's metrics (WebAdmin's {@code /metrics}, or wherever James reports them):
 * {@value #COUNT}, the mails parked (all nodes), and {@value #OLDEST_DUE}, the earliest due time in seconds since the
 * epoch (0 when none). Read from the store at most every {@link #REFRESH}; -1 while the store cannot be read.
 */
final class DeferralMetrics {

    static final String COUNT = "postino_deferred_count";
    static final String OLDEST_DUE = "postino_deferred_oldest_due_seconds";
    static final Duration REFRESH = Duration.ofSeconds(10);

    private static final Logger LOGGER = LoggerFactory.getLogger(DeferralMetrics.class);

    private DeferralMetrics() {
    }

    static void register(GaugeRegistry gauges, DeferralStore store) {
        Supplier<Long> count = Suppliers.memoizeWithExpiration(() -> read(store::count), REFRESH.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
        Supplier<Long> oldest = Suppliers.memoizeWithExpiration(
            () -> read(() -> store.oldestDue().map(i -> i.getEpochSecond()).orElse(0L)), REFRESH.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            gauges.register(COUNT, count::get);
            gauges.register(OLDEST_DUE, oldest::get);
        } catch (RuntimeException e) {
            // a second PolicyRemoteDelivery in the same James: the first one's gauges already count the same store
            LOGGER.info("Deferral gauges not registered again: {}", e.toString());
        }
    }

    private static long read(Supplier<Long> query) {
        try {
            return query.get();
        } catch (RuntimeException e) {
            return -1L;
        }
    }
}
