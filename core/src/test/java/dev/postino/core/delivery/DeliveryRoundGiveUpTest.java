package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.retry.RetryState;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/** An administrator's "bounce now" (WebAdmin, on a deferred mail): the failure notice a give-up makes. */
class DeliveryRoundGiveUpTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final EnhancedStatusCode BOUNCED = new EnhancedStatusCode(5, 0, 0);

    private final DeliveryRound round = new DeliveryRound(RetryPolicy.of(RetryRules.defaults()), NotificationPolicy.defaults());

    @Test
    void everyRecipientFailsInOneNoticeKeepingItsLastReply() {
        AttemptOutcome greylisted = AttemptOutcome.ofReply("bob@example.test", SmtpReply.parse("451 4.7.1 Greylisted"),
            "mx.example.test [192.0.2.1]:25", SmtpPhase.RCPT, T0);
        RecipientState tried = new RecipientState("bob@example.test",
            new RetryState(T0, T0, T0, Duration.ofMinutes(5), 1, 0), T0.plusSeconds(300), greylisted);
        RecipientState untried = RecipientState.arrived("ann@example.test", T0);
        DeliveryRound.Pending mail = new DeliveryRound.Pending("alice@postino.test", List.of(tried, untried),
            Map.of("bob@example.test", new RecipientDsn(java.util.Set.of(), OriginalRecipient.rfc822("bob@old.test"))));

        DeliveryRound.Result result = round.giveUp(mail, BOUNCED, "bounced by the administrator", T0.plusSeconds(60));

        assertThat(result.remaining()).isEmpty();
        assertThat(result.requeueAfter()).isEmpty();
        assertThat(result.notices()).hasSize(1);
        DeliveryRound.Notice failed = result.notice(RecipientNotice.Action.FAILED).orElseThrow();
        assertThat(failed.recipients()).containsExactly("bob@example.test", "ann@example.test");
        assertThat(failed.outcomes()).allSatisfy(o -> {
            assertThat(o.action()).isEqualTo(DeliveryAction.FAILED);
            assertThat(o.status()).isEqualTo(BOUNCED);
        });
        assertThat(failed.outcomes().get(0).originalRecipient()).isEqualTo("rfc822;bob@old.test");
        assertThat(failed.summary()).contains("bob@example.test: 451 4.7.1 Greylisted")
            .contains("ann@example.test: bounced by the administrator");
    }
}
