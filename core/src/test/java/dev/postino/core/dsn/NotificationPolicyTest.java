package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** One set of rules for who hears of what, asked by remote delivery and by the bounce mailet alike. */
class NotificationPolicyTest {

    private static final NotificationPolicy POLICY = NotificationPolicy.defaults();
    private static final RecipientDsn NONE = RecipientDsn.NONE;
    private static final RecipientDsn NEVER = new RecipientDsn(Set.of(Notify.NEVER), null);
    private static final RecipientDsn FAILURE = new RecipientDsn(Set.of(Notify.FAILURE), null);
    private static final RecipientDsn DELAY = new RecipientDsn(Set.of(Notify.DELAY), null);
    private static final RecipientDsn SUCCESS = new RecipientDsn(Set.of(Notify.SUCCESS), null);

    @Test
    void delayWarningsFollowNotifyAndOneSettingForRecipientsWithout() {
        assertThat(POLICY.warnWithoutNotify()).isTrue();
        assertThat(POLICY.warnsOfDelay("a@b.test", NONE)).isTrue();
        assertThat(POLICY.warnsOfDelay("a@b.test", DELAY)).isTrue();
        assertThat(POLICY.warnsOfDelay("a@b.test", FAILURE)).isFalse();
        assertThat(POLICY.warnsOfDelay("a@b.test", NEVER)).isFalse();
        NotificationPolicy quiet = POLICY.withWarnWithoutNotify(false);
        assertThat(quiet.warnsOfDelay("a@b.test", NONE)).isFalse();
        assertThat(quiet.warnsOfDelay("a@b.test", DELAY)).isTrue();
    }

    @Test
    void aNullSenderOrMailerDaemonIsNeverWarnedNorToldOfARelay() {
        assertThat(POLICY.warnsOfDelay("", DELAY)).isFalse();
        assertThat(POLICY.warnsOfDelay("mailer-daemon@b.test", NONE)).isFalse();
        assertThat(POLICY.reportsRelay("", false, SUCCESS)).isFalse();
    }

    @Test
    void aRelayIsReportedWhenTheNextHopLacksDsnAndSuccessWasAsked() {
        assertThat(POLICY.reportsRelay("a@b.test", false, SUCCESS)).isTrue();
        assertThat(POLICY.reportsRelay("a@b.test", true, SUCCESS)).isFalse();
        assertThat(POLICY.reportsRelay("a@b.test", false, NONE)).isFalse();
        assertThat(POLICY.reportsRelay("a@b.test", false, FAILURE)).isFalse();
    }

    @Test
    void theNotificationReportsWhatNotifyAsksAndWithoutNotifyFailuresAndTheDelaysMadeForIt() {
        assertThat(POLICY.reports(DeliveryAction.FAILED, NONE)).isTrue();
        assertThat(POLICY.reports(DeliveryAction.DELAYED, NONE)).isTrue();
        assertThat(POLICY.reports(DeliveryAction.DELIVERED, NONE)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.RELAYED, NONE)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.FAILED, NEVER)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.DELAYED, NEVER)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.DELAYED, FAILURE)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.FAILED, DELAY)).isFalse();
        assertThat(POLICY.reports(DeliveryAction.RELAYED, SUCCESS)).isTrue();
        assertThat(POLICY.reports(DeliveryAction.DELIVERED, SUCCESS)).isTrue();
        // the same answer with the setting off: the delay rule is applied where warnings are made
        assertThat(POLICY.withWarnWithoutNotify(false).reports(DeliveryAction.DELAYED, NONE)).isTrue();
    }

    @Test
    void neverWithEventsStillMeansNever() {
        RecipientDsn confused = new RecipientDsn(Set.of(Notify.NEVER, Notify.FAILURE), null);

        assertThat(confused.notifyOn()).containsExactly(Notify.NEVER);
        assertThat(POLICY.reports(DeliveryAction.FAILED, confused)).isFalse();
    }

    @Test
    void theOriginalRecipientTheSenderGaveIsReportedUnlessTheOutcomeHasOne() {
        DeliveryOutcome outcome = DeliveryOutcome.failed("bob@b.test", null);
        RecipientDsn orcpt = new RecipientDsn(Set.of(), OriginalRecipient.rfc822("bob@old.test"));

        assertThat(POLICY.withOriginalRecipient(outcome, orcpt).originalRecipient()).isEqualTo("rfc822;bob@old.test");
        assertThat(POLICY.withOriginalRecipient(outcome.withOriginalRecipient("rfc822;x@y.test"), orcpt).originalRecipient())
            .isEqualTo("rfc822;x@y.test");
        assertThat(POLICY.withOriginalRecipient(outcome, NONE)).isSameAs(outcome);
    }

    @Test
    void noNotificationForLoopsAutomaticMailOrLikelyForgedSenders() {
        Map<String, String> forged = Map.of("postino.dmarc.result", "FAIL ");

        assertThat(POLICY.whyNoNotification("", false, n -> Optional.empty())).contains("null reverse-path");
        assertThat(POLICY.whyNoNotification("MAILER-DAEMON@b.test", false, n -> Optional.empty()))
            .contains("sender is a MAILER-DAEMON");
        assertThat(POLICY.whyNoNotification("a@b.test", true, n -> Optional.empty()))
            .contains("the mail is itself a notification or an automatic reply");
        assertThat(POLICY.whyNoNotification("a@b.test", false, n -> Optional.ofNullable(forged.get(n))))
            .contains("backscatter guard: postino.dmarc.result=fail (the sender is likely forged)");
        assertThat(POLICY.withBackscatterGuard(false, NotificationPolicy.DEFAULT_BACKSCATTER_ATTRIBUTES)
            .whyNoNotification("a@b.test", false, n -> Optional.ofNullable(forged.get(n)))).isEmpty();
        assertThat(POLICY.whyNoNotification("a@b.test", false, n -> Optional.of("pass"))).isEmpty();
    }
}
