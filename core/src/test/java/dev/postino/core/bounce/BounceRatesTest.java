package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;
import dev.postino.core.suppression.BounceEvent;
import dev.postino.core.suppression.SteppingClock;
import dev.postino.core.suppression.SuppressionList;
import dev.postino.core.suppression.SuppressionPolicy;

class BounceRatesTest {

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void ratesPerSenderAndDomainOverASlidingWindow(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            SteppingClock clock = new SteppingClock(Instant.parse("2026-12-02T10:00:00Z"));
            BounceRates rates = new BounceRates(store, clock);
            SuppressionList list = new SuppressionList(store, clock);
            rates.recordAttempted("Alice@Postino.test", 150);
            rates.recordAttempted("alice@postino.test", 50);
            rates.recordAttempted("bob@postino.test", 100);
            for (int i = 0; i < 12; i++) {
                BounceEvent.Kind k = i < 8 ? BounceEvent.Kind.HARD : i < 11 ? BounceEvent.Kind.SOFT : BounceEvent.Kind.COMPLAINT;
                list.record(new BounceEvent("r" + i + "@example.com", "alice@postino.test", k, "userunknown", "5.1.1", "", clock.instant()),
                    SuppressionPolicy.defaults());
            }

            BounceRate alice = rates.rate(BounceRate.Scope.SENDER, "alice@postino.test", Duration.ofDays(7));
            assertThat(alice.recipients()).isEqualTo(200);
            assertThat(alice.hard()).isEqualTo(8);
            assertThat(alice.soft()).isEqualTo(3);
            assertThat(alice.complaints()).isEqualTo(1);
            assertThat(alice.bounceRate()).isCloseTo(0.055, within(1e-9));
            assertThat(BounceRateThresholds.defaults().level(alice)).isEqualTo(BounceRate.Level.CRITICAL); // 0.5 % complaints

            BounceRate domain = rates.rate(BounceRate.Scope.DOMAIN, "postino.test", Duration.ofDays(7));
            assertThat(domain.recipients()).isEqualTo(300);
            assertThat(domain.hard()).isEqualTo(8);
            assertThat(rates.all(Duration.ofDays(7))).extracting(r -> r.scope().word() + " " + r.name())
                .containsExactly("domain postino.test", "sender alice@postino.test", "sender bob@postino.test");

            clock.advance(Duration.ofDays(8));
            rates.recordAttempted("alice@postino.test", 10);
            BounceRate later = rates.rate(BounceRate.Scope.SENDER, "alice@postino.test", Duration.ofDays(7));
            assertThat(later.recipients()).isEqualTo(10);
            assertThat(later.hard()).isZero();
            assertThat(rates.purge(Duration.ofDays(7))).isEqualTo(3);
        }
    }

    @Test
    void levels() {
        BounceRateThresholds thresholds = BounceRateThresholds.defaults();
        assertThat(thresholds.level(new BounceRate(BounceRate.Scope.SENDER, "a", 199, 199, 0, 0))).isEqualTo(BounceRate.Level.LOW_VOLUME);
        assertThat(thresholds.level(new BounceRate(BounceRate.Scope.SENDER, "a", 1000, 49, 0, 0))).isEqualTo(BounceRate.Level.OK);
        assertThat(thresholds.level(new BounceRate(BounceRate.Scope.SENDER, "a", 1000, 30, 20, 0))).isEqualTo(BounceRate.Level.WARNING);
        assertThat(thresholds.level(new BounceRate(BounceRate.Scope.SENDER, "a", 1000, 0, 100, 0))).isEqualTo(BounceRate.Level.CRITICAL);
        assertThat(thresholds.level(new BounceRate(BounceRate.Scope.SENDER, "a", 1000, 0, 0, 1))).isEqualTo(BounceRate.Level.WARNING);
    }
}
