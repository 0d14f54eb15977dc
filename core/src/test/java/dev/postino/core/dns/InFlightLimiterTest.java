package dev.postino.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limits and the backoff on their own: no network, time from a hand-moved clock. */
class InFlightLimiterTest {

    private final DnsClientTest.MutableClock clock = new DnsClientTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final DnsLoop loop = new DnsLoop("test-dns-loop", () -> { });
    private InFlightLimiter limiter;

    @AfterEach
    void stop() {
        loop.close();
    }

    /** A lookup that only says what the limiter told it. */
    private final class Probe extends InFlightLimiter.Ticket {
        final String name;
        volatile String state = "waiting";

        Probe(String name, DnsBudget budget, String zone) {
            super(budget, zone);
            this.name = name;
        }

        @Override
        void admitted() {
            state = "admitted";
        }

        @Override
        void refused(String reason) {
            state = "refused: " + reason;
        }

        @Override
        public String toString() {
            return name + " " + state;
        }
    }

    private void use(DnsLimits limits) {
        limiter = new InFlightLimiter(limits, clock, loop);
    }

    /** Runs on the loop thread, then lets the tickets hear what it decided. */
    private <R> R onLoop(Supplier<R> action) {
        CompletableFuture<R> result = new CompletableFuture<>();
        loop.execute(() -> result.complete(action.get()));
        R value = result.join();
        CompletableFuture<Void> settled = new CompletableFuture<>();
        loop.execute(() -> settled.complete(null));
        settled.join();
        return value;
    }

    private Probe request(String name, DnsBudget budget, String zone) {
        Probe probe = new Probe(name, budget, zone);
        onLoop(() -> {
            limiter.request(probe);
            return null;
        });
        return probe;
    }

    private Probe request(String name, String zone) {
        return request(name, budget(), zone);
    }

    private void release(Probe probe) {
        onLoop(() -> {
            limiter.release(probe);
            return null;
        });
    }

    private void timedOut(String zone, int times) {
        onLoop(() -> {
            for (int i = 0; i < times; i++) {
                limiter.timedOut(zone);
            }
            return null;
        });
    }

    private void answered(String zone) {
        onLoop(() -> {
            limiter.answered(zone);
            return null;
        });
    }

    private InFlightLimiter.ZoneLoad zone(String zone) {
        return onLoop(() -> limiter.zoneLoad(zone));
    }

    private static DnsBudget budget() {
        return DnsBudget.of(100, Duration.ofMinutes(1));
    }

    @Test
    void aZoneHasSoManyInFlightThenALineThenRefusals() {
        use(DnsLimits.defaults().withMaxInFlightPerZone(2).withMaxWaitingPerZone(2));

        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            probes.add(request("q" + i, "busy.test"));
        }
        Probe elsewhere = request("other", "calm.test");

        assertThat(probes).extracting(p -> p.state).containsExactly("admitted", "admitted", "waiting", "waiting",
            "refused: too many queries for zone busy.test (2 in flight, 2 waiting)");
        assertThat(zone("busy.test")).isEqualTo(new InFlightLimiter.ZoneLoad(2, 2, false));
        assertThat(elsewhere.state).as("another zone is not held up").isEqualTo("admitted");

        release(probes.get(0));
        assertThat(probes.get(2).state).isEqualTo("admitted");
        assertThat(probes.get(3).state).isEqualTo("waiting");
        assertThat(zone("busy.test")).isEqualTo(new InFlightLimiter.ZoneLoad(2, 1, false));
        assertThat(onLoop(limiter::refused)).isEqualTo(1);
    }

    @Test
    void anEvaluationHasSoManyInFlightAndTheRestWaitsForItsOwnSlots() {
        use(DnsLimits.defaults().withMaxInFlightPerEvaluation(2));
        DnsBudget budget = budget();

        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            probes.add(request("q" + i, budget, "zone" + i + ".test"));
        }
        Probe otherEvaluation = request("other", budget(), "zone0.test");

        assertThat(probes).extracting(p -> p.state).containsExactly("admitted", "admitted", "waiting", "waiting");
        assertThat(onLoop(() -> limiter.evaluationLoad(budget))).isEqualTo(new InFlightLimiter.EvaluationLoad(2, 2));
        assertThat(otherEvaluation.state).isEqualTo("admitted");

        release(probes.get(1));
        assertThat(probes.get(2).state).isEqualTo("admitted");
        onLoop(() -> {
            limiter.abandon(probes.get(3)); // its time ran out while it waited
            return null;
        });
        assertThat(onLoop(() -> limiter.evaluationLoad(budget))).isEqualTo(new InFlightLimiter.EvaluationLoad(2, 0));
        release(probes.get(0));
        release(probes.get(2));
        assertThat(onLoop(() -> limiter.evaluationLoad(budget))).isEqualTo(new InFlightLimiter.EvaluationLoad(0, 0));
    }

    @Test
    void whenCapacityIsShortWaitingZonesTakeTurns() {
        use(DnsLimits.defaults().withMaxInFlight(2).withMaxInFlightPerZone(2));

        Probe a1 = request("a1", "a.test");
        Probe a2 = request("a2", "a.test");
        Probe a3 = request("a3", "a.test");
        Probe b1 = request("b1", "b.test");
        Probe b2 = request("b2", "b.test");
        Probe b3 = request("b3", "b.test");
        Probe c1 = request("c1", "c.test");
        assertThat(List.of(a1, a2, a3, b1, b2, b3, c1)).extracting(p -> p.state)
            .containsExactly("admitted", "admitted", "waiting", "waiting", "waiting", "waiting", "waiting");

        release(a1);
        assertThat(b1.state).isEqualTo("admitted");
        release(a2);
        assertThat(c1.state).as("c's one lookup goes before the second of the longer lines").isEqualTo("admitted");
        assertThat(List.of(a3, b2, b3)).extracting(p -> p.state).containsOnly("waiting");
        release(b1);
        assertThat(a3.state).isEqualTo("admitted");
        release(c1);
        assertThat(b2.state).isEqualTo("admitted");
        assertThat(b3.state).isEqualTo("waiting");
        assertThat(onLoop(limiter::inFlight)).isEqualTo(2);
    }

    @Test
    void backoffBeginsAfterTimeoutsInARowGrowsWhileSilentIsBoundedAndEndsOnAnAnswer() {
        use(DnsLimits.defaults().withZoneTimeouts(3).withMaxInFlightPerZone(1)
            .withZoneBackoff(Duration.ofSeconds(30), Duration.ofSeconds(100)));
        Probe running = request("running", "dead.test");
        Probe waiting = request("waiting", "dead.test");

        timedOut("dead.test", 2);
        assertThat(zone("dead.test").backingOff()).isFalse();
        timedOut("dead.test", 1);
        assertThat(zone("dead.test").backingOff()).isTrue();
        assertThat(waiting.state).as("the zone's line is refused at once")
            .isEqualTo("refused: timeout: zone dead.test is not answering (3 timeouts in a row); not asked again for 30 s");
        assertThat(request("new", "dead.test").state).startsWith("refused: ");
        assertThat(request("alive", "alive.test").state).isEqualTo("admitted");
        release(running);

        // asked again when the backoff is over; still silent: twice as long, then bounded
        for (long backoff : new long[] {60, 100, 100}) {
            clock.advance(Duration.ofSeconds(29));
            assertThat(request("early", "dead.test").state).startsWith("refused: ");
            clock.advance(Duration.ofSeconds(1));
            Probe probe = request("probe", "dead.test");
            assertThat(probe.state).isEqualTo("admitted");
            timedOut("dead.test", 1);
            release(probe);
            assertThat(request("after", "dead.test").state).contains("still silent after").endsWith("not asked again for " + backoff + " s");
            clock.advance(Duration.ofSeconds(backoff - 30));
        }

        // an answer resets everything: three timeouts again before a backoff, and it starts at 30 s again
        clock.advance(Duration.ofSeconds(30));
        Probe probe = request("probe", "dead.test");
        answered("dead.test");
        release(probe);
        assertThat(zone("dead.test").backingOff()).isFalse();
        timedOut("dead.test", 2);
        assertThat(request("after two", "dead.test").state).isEqualTo("admitted");
        timedOut("dead.test", 1);
        assertThat(request("after three", "dead.test").state).endsWith("(3 timeouts in a row); not asked again for 30 s");
    }

    @Test
    void onlyTimeoutsWithinTheWindowCount() {
        use(DnsLimits.defaults().withZoneTimeouts(3).withZoneTimeoutWindow(Duration.ofMinutes(1)));
        Probe holder = request("holder", "slow.test");

        timedOut("slow.test", 2);
        clock.advance(Duration.ofSeconds(61));
        timedOut("slow.test", 1);
        assertThat(zone("slow.test").backingOff()).as("two of the three are too old").isFalse();
        timedOut("slow.test", 2);
        assertThat(zone("slow.test").backingOff()).isTrue();
        release(holder);
    }

    @Test
    void zeroZoneTimeoutsNeverBacksOff() {
        use(DnsLimits.defaults().withZoneTimeouts(0));

        timedOut("dead.test", 1000);

        assertThat(zone("dead.test").backingOff()).isFalse();
        assertThat(onLoop(limiter::knownZones)).isZero();
    }

    @Test
    void aZoneNothingIsKnownAboutIsForgotten() {
        use(DnsLimits.defaults());
        Probe probe = request("q", "once.test");
        assertThat(onLoop(limiter::knownZones)).isEqualTo(1);

        release(probe);

        assertThat(onLoop(limiter::knownZones)).isZero();
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> DnsLimits.defaults().withMaxInFlight(0)).hasMessage("maxInFlight must be 1..100000, was 0");
        assertThatThrownBy(() -> DnsLimits.defaults().withMaxInFlightPerZone(100_001))
            .hasMessage("maxInFlightPerZone must be 1..100000, was 100001");
        assertThatThrownBy(() -> DnsLimits.defaults().withMaxWaitingPerZone(-1)).hasMessageContaining("maxWaitingPerZone");
        assertThatThrownBy(() -> DnsLimits.defaults().withZoneTimeoutWindow(Duration.ZERO))
            .hasMessage("zoneTimeoutWindow must be positive, was PT0S");
        assertThatThrownBy(() -> DnsLimits.defaults().withZoneBackoff(Duration.ofMinutes(2), Duration.ofMinutes(1)))
            .hasMessage("zoneMaxBackoff (PT1M) must be at least zoneBackoff (PT2M)");
        assertThatThrownBy(() -> DnsConfig.defaults().withLimits(null)).hasMessage("limits must be given");
    }
}
