package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

class RetryPolicyTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final DeliveryFailure GREYLISTED = DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse("451 4.7.1 Greylisted"));
    private static final DeliveryFailure FULL = DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse("452 4.2.2 Mailbox full"));

    private static RetryPolicy policy(String rules) throws RetryRuleSyntaxException {
        return RetryPolicy.of(RetryRules.parse(rules)).withRandom(new Random(1));
    }

    /** T0 plus "1d05:01:52"-style offsets: days, then h:m[:s]. */
    private static List<Instant> at(String... offsets) {
        return Stream.of(offsets).map(RetryPolicyTest::at).toList();
    }

    private static Instant at(String offset) {
        String[] dayAndTime = offset.contains("d") ? offset.split("d") : new String[] {"0", offset};
        String[] hms = dayAndTime[1].split(":");
        return T0.plus(Duration.ofDays(Long.parseLong(dayAndTime[0])).plusHours(Long.parseLong(hms[0]))
            .plusMinutes(Long.parseLong(hms[1])).plusSeconds(hms.length > 2 ? Long.parseLong(hms[2]) : 0));
    }

    @Test
    void aQueueThatRunsEachRetryLateMakesExactlyThePlannedAttempts() {
        // F,2h,15m puts a retry exactly on the 2h cutoff; the queue runs it (and every other) 50 ms late.
        RetryPolicy policy = RetryPolicy.of(RetryRules.defaults()).withRandom(new Random(1));
        RetryPlan plan = policy.withRandom(new Random(1)).plan("example.com", GREYLISTED, T0, false);

        List<Instant> served = new java.util.ArrayList<>();
        RetryState state = RetryState.arrived(T0);
        Instant now = T0;
        RetryDecision decision = policy.afterFailure("example.com", GREYLISTED, state, false, now);
        while (decision instanceof RetryDecision.Retry retry && served.size() < 1000) {
            served.add(retry.nextAttempt());
            now = retry.nextAttempt().plusMillis(50);
            decision = policy.afterFailure("example.com", GREYLISTED, retry.state(), false, now);
        }

        assertThat(plan.attempts()).contains(at("2:00"));
        assertThat(served).hasSameSizeAs(plan.attempts());
        assertThat(decision).isInstanceOf(RetryDecision.GiveUp.class);
        assertThat(((RetryDecision.GiveUp) decision).reason()).isEqualTo(plan.reason());
    }

    @Test
    void defaultRuleAcrossItsThreeSegments() {
        RetryPlan plan = RetryPolicy.of(RetryRules.defaults()).plan("example.com", GREYLISTED, T0, false);

        // F,2h,15m: every 15m; the failure at 2:00 is still within the 2h cutoff, so one more at 2:15.
        // G,16h,1h,1.5: 15m < 1h restarts at 1h -> 3:15; x1.5 = 1h30m -> 4:45; 2h15m -> 7:00;
        //   3h22m30s -> 10:22:30; 5h3m45s (18225s) -> 15:26:15, still within 16h; 27337.5s -> 27337s
        //   = 7h35m37s -> 23:01:52.
        // F,4d,6h: 23:01:52 + 6h x k while within 4d = 96h: k = 12 gives 3d23:01:52 (95h01m52s),
        //   the last failure within the cutoff; its retry at 4d05:01:52 is past it and gives up.
        List<Instant> expected = new java.util.ArrayList<>(at("0:15", "0:30", "0:45", "1:00", "1:15", "1:30", "1:45", "2:00",
            "2:15", "3:15", "4:45", "7:00", "10:22:30", "15:26:15", "23:01:52"));
        for (int k = 1; k <= 13; k++) {
            expected.add(at("23:01:52").plus(Duration.ofHours(6L * k)));
        }
        assertThat(plan.rule()).isSameAs(RetryRules.DEFAULT_RULE);
        assertThat(plan.attempts()).containsExactlyElementsOf(expected);
        assertThat(plan.givesUp()).isEqualTo(at("4d05:01:52"));
        assertThat(plan.reason()).isEqualTo(RetryDecision.Reason.RETRY_TIMEOUT);
        assertThat(plan.finalStatus()).isEqualTo(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
        assertThat(plan.truncated()).isFalse();
        // Warnings at 4h and 24h go out with the first failed attempts at or after them: 4:45 and 1d05:01:52.
        assertThat(plan.warnings()).containsExactlyElementsOf(at("4:45", "1d05:01:52"));
    }

    @Test
    void eximsDocumentedGeometricExample() throws Exception {
        // Exim's spec: "F,1h,15m; G,2d,1h,2" retries every 15 minutes for an hour, then "a delay of one hour,
        // then two hours, then four hours, and so on" until two days have passed since the first failure.
        RetryPlan plan = policy("wonderland.fict.example * F,1h,15m; G,2d,1h,2;")
            .plan("wonderland.fict.example", GREYLISTED, T0, false);

        // 1:00 is within F's 1h cutoff -> 1:15; then +1h, +2h, +4h, +8h, +16h; 32:15 is within 2d -> +32h = 64:15,
        // past 48h: gives up there.
        assertThat(plan.attempts()).containsExactlyElementsOf(at("0:15", "0:30", "0:45", "1:00", "1:15", "2:15", "4:15", "8:15",
            "16:15", "1d08:15", "2d16:15"));
        assertThat(plan.givesUp()).isEqualTo(at("2d16:15"));
    }

    @Test
    void eximsDocumentedFixedExampleRetriesEvery30MinutesFor24Hours() throws Exception {
        RetryPlan plan = policy("lookingglass.fict.example * F,24h,30m;").plan("lookingglass.fict.example", GREYLISTED, T0, false);

        // 0:30 ... 24:00 (48 retries, 24:00 still within the cutoff), then 24:30 gives up.
        assertThat(plan.attempts()).hasSize(49);
        assertThat(plan.attempts().get(47)).isEqualTo(at("1d00:00"));
        assertThat(plan.givesUp()).isEqualTo(at("1d00:30"));
    }

    @Test
    void permanentErrorGivesUpAtOnceWithTheRemoteCode() {
        RetryPolicy policy = RetryPolicy.of(RetryRules.defaults());

        RetryPlan plan = policy.plan("example.com", DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse("550 5.1.1 No such user")), T0, false);
        assertThat(plan.attempts()).isEmpty();
        assertThat(plan.warnings()).isEmpty();
        assertThat(plan.givesUp()).isEqualTo(T0);
        assertThat(plan.finalStatus()).hasToString("5.1.1");
        assertThat(plan.reason()).isEqualTo(RetryDecision.Reason.PERMANENT_ERROR);

        RetryPlan bare = policy.plan("example.com", DeliveryFailure.reply(SmtpPhase.END_OF_DATA, SmtpReply.parse("554 rejected")), T0, false);
        assertThat(bare.finalStatus()).hasToString("5.0.0");
    }

    @Test
    void ruleWithoutScheduleGivesUpAtTheFirstTemporaryFailure() throws Exception {
        RetryPlan plan = policy("example.com quota").plan("example.com", FULL, T0, false);

        assertThat(plan.attempts()).isEmpty();
        assertThat(plan.givesUp()).isEqualTo(T0);
        assertThat(plan.finalStatus()).isEqualTo(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
    }

    @Test
    void queueLifetimeEndsRetriesBeforeALongerRule() throws Exception {
        RetryPolicy policy = policy("* * F,10d,1d").withMaxQueueLifetime(Duration.ofDays(3));

        RetryPlan plan = policy.plan("example.com", FULL, T0, false);

        // Failures at 1d, 2d, 3d are within the 3-day lifetime (3d exactly included); the one at 4d gives up.
        assertThat(plan.attempts()).containsExactlyElementsOf(at("1d00:00", "2d00:00", "3d00:00", "4d00:00"));
        assertThat(plan.reason()).isEqualTo(RetryDecision.Reason.QUEUE_LIFETIME);
        assertThat(plan.finalStatus()).hasToString("4.4.7");
    }

    @Test
    void bouncesHaveTheShorterNullSenderLifetime() {
        RetryPlan plan = RetryPolicy.of(RetryRules.defaults()).plan("example.com", GREYLISTED, T0, true);

        // As in the default plan up to 23:01:52, then every 6h: 47:01:52 is within 2d, 53:01:52 is not.
        assertThat(plan.givesUp()).isEqualTo(at("2d05:01:52"));
        assertThat(plan.reason()).isEqualTo(RetryDecision.Reason.QUEUE_LIFETIME);
    }

    @Test
    void oneAttemptPastSeveralWarningAgesSendsOneWarningAndNoneWithTheGiveUp() throws Exception {
        RetryPolicy policy = policy("* * F,3d,10h").withDelayWarnings(DelayWarnings.parse("4h: 8h, 2d"));

        RetryPlan plan = policy.plan("example.com", FULL, T0, false);

        // Attempts every 10h up to 3d = 72h: 10h (past 4h and 8h: one warning), ..., 50h (past 2d), 70h, 80h gives up.
        assertThat(plan.attempts()).containsExactlyElementsOf(at("10:00", "20:00", "1d06:00", "1d16:00", "2d02:00", "2d12:00",
            "2d22:00", "3d08:00"));
        assertThat(plan.warnings()).containsExactlyElementsOf(at("10:00", "2d02:00"));
        assertThat(RetryPolicy.of(RetryRules.defaults()).withDelayWarnings(DelayWarnings.NONE)
            .plan("example.com", FULL, T0, false).warnings()).isEmpty();
    }

    @Test
    void noWarningGoesOutWithTheAttemptThatGivesUp() throws Exception {
        // Failures at 0 and 2h retry; the one at 4h is past the 3h cutoff and gives up, just as the 4h age is reached.
        RetryPlan plan = policy("* * F,3h,2h").plan("example.com", FULL, T0, false);

        assertThat(plan.attempts()).containsExactlyElementsOf(at("2:00", "4:00"));
        assertThat(plan.givesUp()).isEqualTo(at("4:00"));
        assertThat(plan.warnings()).isEmpty();
    }

    @Test
    void afterFailureCarriesTheStateTheMailetKeeps() {
        RetryPolicy policy = RetryPolicy.of(RetryRules.defaults());
        RetryState arrived = RetryState.arrived(T0);

        RetryDecision.Retry first = (RetryDecision.Retry) policy.afterFailure("example.com", FULL, arrived, false, T0);
        assertThat(first.nextAttempt()).isEqualTo(at("0:15"));
        assertThat(first.warningDue()).isFalse();
        assertThat(first.state()).isEqualTo(new RetryState(T0, T0, T0, Duration.ofMinutes(15), 1, 0));

        // A queue that comes back late (at 5:00 instead of 0:15) is past the 4h warning age and in the G segment,
        // which grows from the planned 15m, not from the actual 4h45m gap: 15m < 1h, so 1h.
        RetryDecision.Retry late = (RetryDecision.Retry) policy.afterFailure("example.com", FULL, first.state(), false, at("5:00"));
        assertThat(late.interval()).isEqualTo(Duration.ofHours(1));
        assertThat(late.warningDue()).isTrue();
        assertThat(late.state().warningsSent()).isEqualTo(1);
        assertThat(late.state().failures()).isEqualTo(2);

        // An early attempt (30m after planning 1h) grows from the 30m actually waited: 30m < 1h, so 1h again.
        RetryDecision.Retry early = (RetryDecision.Retry) policy.afterFailure("example.com", FULL, late.state(), false, at("5:30"));
        assertThat(early.interval()).isEqualTo(Duration.ofHours(1));
        assertThat(early.warningDue()).isFalse();

        assertThat(policy.willRetryUntil(early.rule(), early.state(), false)).isEqualTo(at("4d00:00"));
        assertThat(policy.willRetryUntil(early.rule(), early.state(), true)).isEqualTo(at("2d00:00"));
    }

    @Test
    void randomizedScheduleIsDeterministicWithASeedAndStaysInItsBounds() throws Exception {
        RetryRules rules = RetryRules.parse("* * H,1d,10m,2");
        RetryPlan one = RetryPolicy.of(rules).withRandom(new Random(99)).plan("example.com", FULL, T0, false);
        RetryPlan two = RetryPolicy.of(rules).withRandom(new Random(99)).plan("example.com", FULL, T0, false);

        assertThat(one.attempts()).isEqualTo(two.attempts());
        Instant previousAttempt = T0;
        Duration previousInterval = Duration.ZERO;
        for (Instant attempt : one.attempts()) {
            Duration interval = Duration.between(previousAttempt, attempt);
            Duration max = previousInterval.compareTo(Duration.ofMinutes(10)) < 0 ? Duration.ofMinutes(10) : previousInterval.multipliedBy(2);
            assertThat(interval).isBetween(Duration.ofMinutes(10), max);
            previousAttempt = attempt;
            previousInterval = interval;
        }
        assertThat(one.givesUp()).isAfter(T0.plus(Duration.ofDays(1)));
    }

    @Test
    void planStopsAtTheAttemptCap() throws Exception {
        // One retry a second for ten years would be 315 million attempts.
        RetryPlan plan = policy("* * F,3650d,1s").withMaxQueueLifetime(Duration.ofDays(3650)).plan("example.com", FULL, T0, false);

        assertThat(plan.truncated()).isTrue();
        assertThat(plan.attempts()).hasSize(RetryPolicy.MAX_PLANNED_ATTEMPTS);
        assertThat(plan.givesUp()).isNull();
        assertThat(plan.finalStatus()).isNull();
    }
}
