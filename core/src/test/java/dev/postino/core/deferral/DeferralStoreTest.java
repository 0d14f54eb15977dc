package dev.postino.core.deferral;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.retry.RetryState;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

class DeferralStoreTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    static DeferredMail mail(String name, Instant due, String... recipients) {
        List<RecipientState> states = Arrays.stream(recipients).map(r -> {
            AttemptOutcome greylisted = AttemptOutcome.ofReply(r, SmtpReply.parse("451 4.7.1 Greylisted; try again"),
                "mx.example.test [127.0.0.1]", SmtpPhase.RCPT, T0.minusSeconds(60));
            RetryState retry = new RetryState(T0.minusSeconds(120), T0.minusSeconds(60), T0.minusSeconds(60),
                Duration.ofMinutes(1), 2, 1);
            return new RecipientState(r, retry, due, greylisted);
        }).toList();
        return new DeferredMail(name, "alice@example.org", states, due,
            ("envelope of " + name).getBytes(StandardCharsets.UTF_8), ("Subject: " + name + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8), false);
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void parksClaimsWhatIsDueAndDeletesOnlyAfterTheRelease(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            DeferralStore deferred = new DeferralStore(store, "node-a");
            deferred.park(mail("m1", T0.plusSeconds(10), "bob@one.test", "carol@two.test"), T0);
            deferred.park(mail("m2", T0.plusSeconds(20), "dave@one.test"), T0);

            assertThat(deferred.claimDue(T0.plusSeconds(5), LEASE, 10)).isEmpty();
            List<DeferralStore.Claim> claims = deferred.claimDue(T0.plusSeconds(10), LEASE, 10);
            assertThat(claims).extracting(DeferralStore.Claim::name).containsExactly("m1");
            DeferredMail back = deferred.take(claims.get(0), T0.plusSeconds(20), LEASE).orElseThrow();
            assertThat(back.recipients()).containsExactly("bob@one.test", "carol@two.test");
            assertThat(back.states()).isEqualTo(mail("m1", T0.plusSeconds(10), "bob@one.test", "carol@two.test").states());
            assertThat(new String(back.message(), StandardCharsets.UTF_8)).startsWith("Subject: m1");
            assertThat(back.attempts()).isEqualTo(2);
            // Claimed, not yet released: nobody else takes it, even past the first lease (renewed by the take).
            assertThat(deferred.claimDue(T0.plusSeconds(11), LEASE, 10)).isEmpty();
            assertThat(deferred.list(0, 10)).extracting(DeferralStore.Entry::claimedBy).containsExactly("node-a", null);
            assertThat(deferred.claimDue(T0.plusSeconds(45), LEASE, 10)).extracting(DeferralStore.Claim::name).containsExactly("m2");
            assertThat(deferred.count()).isEqualTo(2);

            assertThat(deferred.released("m1", claims.get(0).token())).isTrue();
            assertThat(deferred.count()).isEqualTo(1);
            assertThat(deferred.oldestDue()).contains(T0.plusSeconds(20));
            assertThat(deferred.countByDomain()).containsExactly(java.util.Map.entry("one.test", 1L));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void aDeadNodesClaimComesBackWhenItsLeaseExpires(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore storeA = PostinoStore.open(backend.config());
             PostinoStore storeB = PostinoStore.open(backend.config())) {
            DeferralStore nodeA = new DeferralStore(storeA, "node-a");
            DeferralStore nodeB = new DeferralStore(storeB, "node-b");
            nodeA.park(mail("m1", T0, "bob@one.test"), T0);

            DeferralStore.Claim lost = nodeA.claimDue(T0, LEASE, 10).get(0); // node A dies holding it
            assertThat(nodeB.claimDue(T0.plus(LEASE), LEASE, 10)).isEmpty();
            List<DeferralStore.Claim> taken = nodeB.claimDue(T0.plus(LEASE).plusSeconds(1), LEASE, 10);
            assertThat(taken).extracting(DeferralStore.Claim::name).containsExactly("m1");

            // Node A, back late, cannot take it any more, nor delete node B's claim; node B's does.
            assertThat(nodeA.take(lost, T0.plus(LEASE).plusSeconds(2), LEASE)).isEmpty();
            assertThat(nodeB.take(taken.get(0), T0.plus(LEASE).plusSeconds(2), LEASE)).isPresent();
            assertThat(nodeA.released("m1", lost.token())).isFalse();
            assertThat(nodeA.count()).isEqualTo(1);
            assertThat(nodeB.released("m1", taken.get(0).token())).isTrue();
            assertThat(nodeA.count()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void parkingAgainReplacesTheRowAndItsClaim(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            DeferralStore deferred = new DeferralStore(store, "node-a");
            deferred.park(mail("m1", T0, "bob@one.test", "eve@two.test"), T0);
            DeferralStore.Claim claim = deferred.claimDue(T0, LEASE, 10).get(0);
            // Released to the queue, attempted, deferred again before the release was recorded.
            deferred.park(mail("m1", T0.plusSeconds(60), "eve@two.test"), T0.plusSeconds(1));

            assertThat(deferred.take(claim, T0.plusSeconds(2), LEASE)).isEmpty();
            assertThat(deferred.released("m1", claim.token())).isFalse();
            assertThat(deferred.get("m1")).hasValueSatisfying(m -> {
                assertThat(m.recipients()).containsExactly("eve@two.test");
                assertThat(m.dueAt()).isEqualTo(T0.plusSeconds(60));
            });
            assertThat(deferred.countByDomain()).containsOnlyKeys("two.test");
            assertThat(deferred.claimDue(T0.plusSeconds(60), LEASE, 10)).hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void listsByPagesCountsByDomainAndTakesTheAdministratorsOrders(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            DeferralStore deferred = new DeferralStore(store, "node-a");
            for (int i = 0; i < 25; i++) {
                deferred.park(mail(String.format("m%02d", i), T0.plusSeconds(100 + i), "r" + i + "@" + (i % 3 == 0 ? "three.test" : "other.test"),
                    "x" + i + "@other.test"), T0);
            }
            assertThat(deferred.list(0, 10)).extracting(DeferralStore.Entry::name).first().isEqualTo("m00");
            assertThat(deferred.list(20, 10)).extracting(DeferralStore.Entry::name).containsExactly("m20", "m21", "m22", "m23", "m24");
            assertThat(deferred.countByDomain()).containsExactly(java.util.Map.entry("other.test", 25L), java.util.Map.entry("three.test", 9L));

            assertThat(deferred.releaseNow("m24", T0)).isTrue();
            assertThat(deferred.bounceNow("m23", T0)).isTrue();
            assertThat(deferred.releaseNow("absent", T0)).isFalse();
            List<DeferralStore.Claim> due = deferred.claimDue(T0, LEASE, 10);
            assertThat(due).extracting(DeferralStore.Claim::name).containsExactlyInAnyOrder("m23", "m24");
            assertThat(due).filteredOn(DeferralStore.Claim::bounceRequested).extracting(DeferralStore.Claim::name).containsExactly("m23");
            DeferralStore.Claim released = due.stream().filter(c -> c.name().equals("m24")).findFirst().orElseThrow();
            assertThat(deferred.take(released, T0, LEASE).orElseThrow().states()).extracting(RecipientState::nextAttempt)
                .containsOnly(T0); // every recipient due now, not at its planned time
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void keepsALargeMessageWhole(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            DeferralStore deferred = new DeferralStore(store, "node-a");
            byte[] large = new byte[12 * 1024 * 1024];
            Arrays.fill(large, (byte) 'a');
            DeferredMail small = mail("big", T0, "bob@one.test");
            deferred.park(new DeferredMail("big", small.sender(), small.states(), T0, small.envelope(), large, false), T0);
            assertThat(deferred.get(deferred.claimDue(T0, LEASE, 1).get(0).name()).orElseThrow().message()).isEqualTo(large);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void concurrentClaimersNeverTakeTheSameMail(StoreBackends.Kind kind) throws Exception {
        int mails = 300;
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore storeA = PostinoStore.open(backend.config());
             PostinoStore storeB = PostinoStore.open(backend.config())) {
            DeferralStore seed = new DeferralStore(storeA, "seed");
            for (int i = 0; i < mails; i++) {
                seed.park(mail("m" + i, T0.plusMillis(i), "r" + i + "@one.test"), T0);
            }
            List<DeferralStore> claimers = List.of(new DeferralStore(storeA, "a1"), new DeferralStore(storeA, "a2"),
                new DeferralStore(storeB, "b1"), new DeferralStore(storeB, "b2"));
            List<String> claimed = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(claimers.size());
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (DeferralStore claimer : claimers) {
                    done.add(threads.submit((Callable<Integer>) () -> {
                        go.await();
                        int rounds = 0;
                        // bounded: every round claims at least one mail until none is left, or the cap ends it
                        for (; rounds < mails; rounds++) {
                            List<DeferralStore.Claim> batch = claimer.claimDue(T0.plusSeconds(1), LEASE, 7);
                            if (batch.isEmpty()) {
                                if (claimer.count() == 0) {
                                    break;
                                }
                                Thread.sleep(5); // another claimer holds the rest until it releases them
                            }
                            for (DeferralStore.Claim claim : batch) {
                                claimed.add(claim.name());
                                assertThat(claimer.released(claim.name(), claim.token())).isTrue();
                            }
                        }
                        return rounds;
                    }));
                }
                go.countDown();
                for (Future<Integer> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
            Set<String> distinct = new HashSet<>(claimed);
            assertThat(claimed).hasSize(mails);
            assertThat(distinct).hasSize(mails);
            assertThat(seed.count()).isZero();
        }
    }
}
