package dev.postino.core.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

class SuppressionListTest {

    private static final Instant START = Instant.parse("2026-12-02T10:00:00Z");

    @TempDir
    Path directory;

    private static BounceEvent soft(String address, Instant at) {
        return new BounceEvent(address, "alice@postino.test", BounceEvent.Kind.SOFT, "mailboxfull", "4.2.2", "452 4.2.2 full", at);
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void keepsEntriesFromBouncesAndByHand(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            SteppingClock clock = new SteppingClock(START);
            SuppressionList list = new SuppressionList(store, clock);
            List<String> changes = new ArrayList<>();
            list.onChange(changes::add);

            Optional<SuppressionEntry> hard = list.record(new BounceEvent("Bob@Example.com", "alice@postino.test", BounceEvent.Kind.HARD,
                "userunknown", "5.1.1", "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown", START), SuppressionPolicy.defaults());
            assertThat(hard).isPresent();
            SuppressionEntry found = list.find("bob@example.com").orElseThrow();
            assertThat(found).isEqualTo(hard.get());
            assertThat(found.diagnostic()).contains("User unknown");
            assertThat(found.expires()).contains(START.plus(Duration.ofDays(90)));
            assertThat(changes).containsExactly("bob@example.com");

            list.add("carol@example.com", "asked to stop", Optional.empty());
            assertThat(list.find("CAROL@example.com").map(SuppressionEntry::source)).contains(SuppressionSource.MANUAL);
            assertThat(list.count()).isEqualTo(2);
            assertThat(list.list(0, 1)).extracting(SuppressionEntry::address).containsExactly("bob@example.com");
            assertThat(list.list(1, 10)).extracting(SuppressionEntry::address).containsExactly("carol@example.com");

            assertThat(list.remove("bob@example.com")).isTrue();
            assertThat(list.remove("bob@example.com")).isFalse();
            assertThat(list.find("bob@example.com")).isEmpty();

            clock.advance(Duration.ofDays(91));
            list.record(new BounceEvent("dave@example.com", "alice@postino.test", BounceEvent.Kind.HARD, "userunknown", "5.1.1", "", clock.instant()),
                new SuppressionPolicy(5, Duration.ofDays(7), Duration.ofDays(1)));
            clock.advance(Duration.ofDays(2));
            assertThat(list.find("dave@example.com")).as("expired").isEmpty();
            assertThat(list.purge(Duration.ofDays(30))).isEqualTo(1);
            assertThat(list.count()).isEqualTo(1); // carol, without expiry
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void softBouncesCountWithinTheWindowAndNotAfterARemoval(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            SteppingClock clock = new SteppingClock(START);
            SuppressionList list = new SuppressionList(store, clock);
            SuppressionPolicy policy = new SuppressionPolicy(3, Duration.ofDays(7), Duration.ofDays(90));

            assertThat(list.record(soft("full@example.com", clock.instant()), policy)).isEmpty();
            clock.advance(Duration.ofDays(8)); // the first falls out of the window
            assertThat(list.record(soft("full@example.com", clock.instant()), policy)).isEmpty();
            clock.advance(Duration.ofDays(1));
            assertThat(list.record(soft("full@example.com", clock.instant()), policy)).isEmpty();
            clock.advance(Duration.ofDays(1));
            SuppressionEntry third = list.record(soft("full@example.com", clock.instant()), policy).orElseThrow();
            assertThat(third.bounces()).isEqualTo(3);
            assertThat(third.hard()).isFalse();

            list.remove("full@example.com");
            assertThat(list.record(soft("full@example.com", clock.instant()), policy)).as("earlier bounces were forgiven").isEmpty();
        }
    }
}
