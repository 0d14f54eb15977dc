package dev.postino.james.mailets;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

/**
 * Postino's metrics, written through what James's Guice binds (so WebAdmin's {@code /metrics} route exports them in
 * Prometheus's format): counters and timed calls through {@link MetricFactory}, gauges through {@link GaugeRegistry},
 * and durations measured across queue rounds (which a {@code TimeMetric}, started and stopped in one call, cannot
 * hold) through the Dropwizard {@link MetricRegistry} that both write to. Every name starts with {@code postino_};
 * the parts made from values go through {@link #word}, so no remote party can make up names. Any of the three may be
 * absent (unit tests): then nothing is recorded. A metric never fails the caller.
 */
public final class PostinoMetrics {

    /** No metrics at all. */
    public static final PostinoMetrics NONE = new PostinoMetrics(null, null, null);

    private static final Logger LOGGER = LoggerFactory.getLogger(PostinoMetrics.class);
    /** Gauges by registry and name: Dropwizard keeps the first gauge registered under a name, so a re-initialized mailet's goes here. */
    private static final Map<String, Supplier<? extends Number>> GAUGES = new ConcurrentHashMap<>();

    private final MetricFactory factory;
    private final GaugeRegistry gauges;
    private final MetricRegistry registry;

    public PostinoMetrics(MetricFactory factory, GaugeRegistry gauges, MetricRegistry registry) {
        this.factory = factory;
        this.gauges = gauges;
        this.registry = registry;
    }

    /** Adds one to the counter {@code name} ({@code postino_...}); exported as {@code name_total}. */
    public void count(String name) {
        if (factory != null) {
            try {
                factory.generate(name).increment();
            } catch (RuntimeException e) {
                LOGGER.debug("metric {} not counted", name, e);
            }
        }
    }

    /** Runs {@code call}, timing it as {@code name}. */
    public <T> T time(String name, Supplier<T> call) {
        return factory == null ? call.get() : factory.decorateSupplierWithTimerMetric(name, call);
    }

    /** Records a duration measured elsewhere (e.g. across queue rounds) in the timer {@code name}. */
    public void record(String name, Duration duration) {
        if (registry != null && !duration.isNegative()) {
            try {
                registry.timer(name).update(duration);
            } catch (RuntimeException e) {
                LOGGER.debug("metric {} not recorded", name, e);
            }
        }
    }

    /** The gauge {@code name} reads {@code value} (the latest one given for that name). */
    public void gauge(String name, Supplier<? extends Number> value) {
        if (gauges == null) {
            return;
        }
        // per registry: another James in the same JVM (tests) has its own
        String key = System.identityHashCode(gauges) + "/" + name;
        boolean first = GAUGES.put(key, value) == null;
        if (first) {
            try {
                gauges.register(name, () -> {
                    Supplier<? extends Number> current = GAUGES.get(key);
                    try {
                        return current == null ? 0 : current.get();
                    } catch (RuntimeException e) {
                        return 0;
                    }
                });
            } catch (RuntimeException e) {
                LOGGER.debug("gauge {} not registered", name, e);
            }
        }
    }

    /**
     * {@code value} as one part of a metric name: lower case letters, digits and {@code _} (a {@code .} or {@code -}
     * becomes {@code _}), at most 24 characters; anything else, or nothing, is {@code other}.
     */
    public static String word(String value) {
        if (value == null) {
            return "other";
        }
        String word = value.trim().toLowerCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        return word.matches("[a-z0-9_]{1,24}") ? word : "other";
    }
}
