package dev.postino.core.suppression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.postino.core.bounce.BounceReason;
import dev.postino.core.bounce.BouncedRecipient;

class SuppressionPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private final SuppressionPolicy policy = SuppressionPolicy.defaults();

    private static BounceEvent event(BounceEvent.Kind kind, String reason, Instant at) {
        return new BounceEvent("Bob@Example.COM", "alice@postino.test", kind, reason, kind == BounceEvent.Kind.HARD ? "5.1.1" : "4.2.2",
            "550 5.1.1 no such user", at);
    }

    @Test
    void aHardBounceSuppressesAtOnceForNinetyDays() {
        Optional<SuppressionEntry> entry = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", NOW), 0, Optional.empty());

        assertThat(entry).isPresent();
        assertThat(entry.get().address()).isEqualTo("bob@example.com");
        assertThat(entry.get().source()).isEqualTo(SuppressionSource.BOUNCE);
        assertThat(entry.get().hard()).isTrue();
        assertThat(entry.get().bounces()).isEqualTo(1);
        assertThat(entry.get().expires()).contains(NOW.plus(Duration.ofDays(90)));
        assertThat(entry.get().first()).isEqualTo(NOW);
    }

    @Test
    void softBouncesSuppressOnlyFromTheFifthInTheWindow() {
        for (int count = 1; count < 5; count++) {
            assertThat(policy.decide(event(BounceEvent.Kind.SOFT, "mailboxfull", NOW), count, Optional.empty())).as("count " + count).isEmpty();
        }
        Optional<SuppressionEntry> fifth = policy.decide(event(BounceEvent.Kind.SOFT, "mailboxfull", NOW), 5, Optional.empty());
        assertThat(fifth).isPresent();
        assertThat(fifth.get().hard()).isFalse();
        assertThat(fifth.get().bounces()).isEqualTo(5);
        assertThat(fifth.get().reason()).isEqualTo("mailboxfull");
    }

    @Test
    void aComplaintSuppressesAtOnceAsAComplaint() {
        Optional<SuppressionEntry> entry = policy.decide(event(BounceEvent.Kind.COMPLAINT, "feedback", NOW), 0, Optional.empty());
        assertThat(entry.map(SuppressionEntry::source)).contains(SuppressionSource.COMPLAINT);
    }

    @Test
    void aLaterBounceOnAnActiveEntryCountsAndExtendsIt() {
        SuppressionEntry first = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", NOW), 0, Optional.empty()).orElseThrow();
        Instant later = NOW.plus(Duration.ofDays(10));

        SuppressionEntry soft = policy.decide(event(BounceEvent.Kind.SOFT, "mailboxfull", later), 1, Optional.of(first)).orElseThrow();
        assertThat(soft.bounces()).isEqualTo(2);
        assertThat(soft.expires()).isEqualTo(first.expires()); // a soft bounce alone would not suppress: no extension
        assertThat(soft.first()).isEqualTo(NOW);
        assertThat(soft.last()).isEqualTo(later);

        SuppressionEntry hard = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", later), 0, Optional.of(soft)).orElseThrow();
        assertThat(hard.expires()).contains(later.plus(Duration.ofDays(90)));
    }

    @Test
    void anExpiredEntryIsStartedAfresh() {
        SuppressionEntry old = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", NOW), 0, Optional.empty()).orElseThrow();
        Instant afterExpiry = NOW.plus(Duration.ofDays(91));

        assertThat(policy.decide(event(BounceEvent.Kind.SOFT, "mailboxfull", afterExpiry), 1, Optional.of(old))).isEmpty();
        SuppressionEntry again = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", afterExpiry), 0, Optional.of(old)).orElseThrow();
        assertThat(again.first()).isEqualTo(afterExpiry);
        assertThat(again.bounces()).isEqualTo(1);
    }

    @Test
    void aManualEntryWithoutExpiryStaysManualAndOpenEnded() {
        SuppressionEntry manual = new SuppressionEntry("bob@example.com", "asked by the user", "", false, "", SuppressionSource.MANUAL, 0,
            NOW, NOW, Optional.empty());
        SuppressionEntry after = policy.decide(event(BounceEvent.Kind.HARD, "userunknown", NOW.plusSeconds(60)), 0, Optional.of(manual)).orElseThrow();
        assertThat(after.source()).isEqualTo(SuppressionSource.MANUAL);
        assertThat(after.expires()).isEmpty();
    }

    @Test
    void eventsComeOnlyFromFailuresAndComplaints() {
        BouncedRecipient failed = new BouncedRecipient("x@example.com", "failed", "5.1.1", BounceReason.USERUNKNOWN, true, "", Optional.empty());
        BouncedRecipient delayed = new BouncedRecipient("x@example.com", "delayed", "4.4.7", BounceReason.EXPIRED, false, "", Optional.empty());
        BouncedRecipient vacation = new BouncedRecipient("x@example.com", "", "", BounceReason.VACATION, false, "", Optional.empty());
        BouncedRecipient full = new BouncedRecipient("x@example.com", "failed", "5.2.2", BounceReason.MAILBOXFULL, false, "", Optional.empty());
        BouncedRecipient garbage = new BouncedRecipient("", "failed", "5.1.1", BounceReason.USERUNKNOWN, true, "", Optional.empty());

        assertThat(BounceEvent.of(failed, false, "a@postino.test", NOW).map(BounceEvent::kind)).contains(BounceEvent.Kind.HARD);
        assertThat(BounceEvent.of(full, false, "a@postino.test", NOW).map(BounceEvent::kind)).contains(BounceEvent.Kind.SOFT);
        assertThat(BounceEvent.of(delayed, false, "a@postino.test", NOW)).isEmpty();
        assertThat(BounceEvent.of(vacation, false, "a@postino.test", NOW)).isEmpty();
        assertThat(BounceEvent.of(garbage, false, "a@postino.test", NOW)).isEmpty();
        assertThat(BounceEvent.of(vacation, true, "a@postino.test", NOW).map(BounceEvent::kind)).contains(BounceEvent.Kind.COMPLAINT);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new SuppressionPolicy(0, Duration.ofDays(1), Duration.ofDays(1))).hasMessageContaining("softLimit=0");
        assertThatThrownBy(() -> SuppressionEntry.normalize("a b@example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SuppressionEntry.normalize(" <Bob@Example.com> ")).isEqualTo("bob@example.com");
    }
}
