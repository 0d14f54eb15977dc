package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.Notify;
import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.retry.DelayWarnings;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/** Every transition of a recipient in a delivery round, from values alone: no James, no SMTP, no DNS. */
class DeliveryRoundTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String SENDER = "alice@postino.test";
    private static final String HOST = "mx.example.test [192.0.2.1]:25";

    /** Retries every 10 minutes for an hour; a warning at 15 minutes. */
    private static RetryPolicy policy() {
        try {
            return RetryPolicy.of(RetryRules.parse("* * F,1h,10m")).withDelayWarnings(DelayWarnings.parse("15m"));
        } catch (dev.postino.core.retry.RetryRuleSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private final DeliveryRound round = new DeliveryRound(policy(), NotificationPolicy.defaults());

    private static AttemptOutcome reply(String recipient, String reply, Instant at) {
        return AttemptOutcome.ofReply(recipient, SmtpReply.parse(reply), HOST, SmtpPhase.RCPT, at);
    }

    private static AttemptOutcome refused(String recipient, Instant at) {
        return AttemptOutcome.temporary(recipient, FailureClass.REFUSED, "connection refused by " + HOST, HOST,
            SmtpPhase.CONNECT, at);
    }

    private static DeliveryRound.Pending pending(String sender, Map<String, RecipientDsn> dsn, RecipientState... states) {
        return new DeliveryRound.Pending(sender, List.of(states), dsn);
    }

    private static DeliveryRound.Pending arrived(String... recipients) {
        return new DeliveryRound.Pending(SENDER, DeliveryRound.statesOf(List.of(recipients), List.of(), T0), Map.of());
    }

    private static Map<String, SmtpDelivery.DomainAttempt> at(String domain, boolean dsnOffered, AttemptOutcome... outcomes) {
        return Map.of(domain, new SmtpDelivery.DomainAttempt(List.of(outcomes), dsnOffered));
    }

    /** Plays rounds for {@code recipient} whose every attempt ends with {@code outcome}, until it is no longer queued. */
    private List<DeliveryRound.Result> untilDone(DeliveryRound round, DeliveryRound.Pending mail,
                                                 Function<Instant, AttemptOutcome> outcome) {
        List<DeliveryRound.Result> results = new ArrayList<>();
        Instant now = T0;
        DeliveryRound.Pending current = mail;
        while (!current.states().isEmpty() && results.size() < 50) {
            DeliveryRound.Result result = round.decide(current, at("example.test", true, outcome.apply(now)), now);
            results.add(result);
            current = new DeliveryRound.Pending(current.sender(), result.remaining(), current.dsn());
            now = now.plus(result.requeueAfter().orElse(Duration.ZERO));
        }
        return results;
    }

    @Test
    void aDeliveredRecipientIsDoneWithoutANotice() {
        DeliveryRound.Result result = round.decide(arrived("bob@example.test"),
            at("example.test", true, reply("bob@example.test", "250 2.1.5 ok", T0)), T0);

        assertThat(result.remaining()).isEmpty();
        assertThat(result.requeueAfter()).isEmpty();
        assertThat(result.delivered()).extracting(AttemptOutcome::recipient).containsExactly("bob@example.test");
        assertThat(result.notices()).isEmpty();
        assertThat(result.problems()).isEmpty();
    }

    @Test
    void notifySuccessIsRelayedOnlyWhenTheNextHopLacksDsn() {
        DeliveryRound.Pending mail = pending(SENDER, Map.of("bob@example.test",
                new RecipientDsn(Set.of(Notify.SUCCESS), OriginalRecipient.rfc822("bob@old.test"))),
            RecipientState.arrived("bob@example.test", T0), RecipientState.arrived("ann@example.test", T0));
        AttemptOutcome[] delivered = {reply("bob@example.test", "250 ok", T0), reply("ann@example.test", "250 ok", T0)};

        DeliveryRound.Result withoutDsn = round.decide(mail, at("example.test", false, delivered), T0);
        DeliveryRound.Result withDsn = round.decide(mail, at("example.test", true, delivered), T0);

        DeliveryRound.Notice relayed = withoutDsn.notice(RecipientNotice.Action.RELAYED).orElseThrow();
        assertThat(relayed.recipients()).containsExactly("bob@example.test");
        assertThat(relayed.outcomes().get(0).action()).isEqualTo(DeliveryAction.RELAYED);
        assertThat(relayed.outcomes().get(0).originalRecipient()).isEqualTo("rfc822;bob@old.test");
        assertThat(withoutDsn.notices()).hasSize(1);
        assertThat(withDsn.notices()).isEmpty();
        assertThat(withDsn.delivered()).hasSize(2);
    }

    @Test
    void aTemporaryFailureIsRetriedOnThePolicysScheduleWithoutANotice() {
        DeliveryRound.Result result = round.decide(arrived("bob@example.test"),
            at("example.test", true, reply("bob@example.test", "451 4.7.1 greylisted", T0)), T0);

        assertThat(result.notices()).isEmpty();
        assertThat(result.requeueAfter()).contains(Duration.ofMinutes(10));
        RecipientState next = result.remaining().get(0);
        assertThat(next.nextAttempt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(next.retry().failures()).isEqualTo(1);
        assertThat(next.retry().firstFailure()).isEqualTo(T0);
        assertThat(next.lastOutcome().diagnostic()).isEqualTo("451 4.7.1 greylisted");
    }

    @Test
    void aTemporaryFailureWithAWarningDueMakesADelayNoticeUntilTheEndOfRetries() {
        List<DeliveryRound.Result> results = untilDone(round, arrived("bob@example.test"),
            now -> reply("bob@example.test", "452 4.2.2 mailbox full", now));

        List<DeliveryRound.Notice> delays = results.stream().flatMap(r -> r.notice(RecipientNotice.Action.DELAYED).stream())
            .toList();
        assertThat(delays).hasSize(1);
        assertThat(results.get(2).notice(RecipientNotice.Action.DELAYED)).isPresent(); // at 20 minutes, past 15
        DeliveryOutcome warning = delays.get(0).outcomes().get(0);
        assertThat(warning.action()).isEqualTo(DeliveryAction.DELAYED);
        assertThat(warning.status()).hasToString("4.2.2");
        assertThat(warning.willRetryUntil()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(results.get(2).remaining().get(0).retry().warningsSent()).isEqualTo(1);
    }

    @Test
    void pastTheCutoffARecipientIsGivenUpWith447KeepingTheLastCause() {
        List<DeliveryRound.Result> results = untilDone(round, arrived("bob@example.test"),
            now -> reply("bob@example.test", "452 4.2.2 mailbox full", now));

        DeliveryRound.Result last = results.get(results.size() - 1);
        assertThat(results).hasSize(8); // at 0, 10, ..., 60 minutes retried; the attempt after the cutoff gives up
        assertThat(last.remaining()).isEmpty();
        assertThat(last.requeueAfter()).isEmpty();
        DeliveryRound.Notice failed = last.notice(RecipientNotice.Action.FAILED).orElseThrow();
        DeliveryOutcome outcome = failed.outcomes().get(0);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
        assertThat(outcome.remoteReply()).isEqualTo("452 4.2.2 mailbox full");
        assertThat(outcome.remoteMta()).isEqualTo("mx.example.test");
        assertThat(outcome.phase()).isEqualTo(SmtpPhase.RCPT);
        assertThat(failed.summary()).isEqualTo("bob@example.test: 452 4.2.2 mailbox full");
    }

    @Test
    void aPermanentFailureIsDoneWithAFailedNotice() {
        DeliveryRound.Result result = round.decide(arrived("bob@example.test"),
            at("example.test", true, reply("bob@example.test", "550 5.1.1 no such user", T0)), T0);

        assertThat(result.remaining()).isEmpty();
        DeliveryOutcome outcome = result.notice(RecipientNotice.Action.FAILED).orElseThrow().outcomes().get(0);
        assertThat(outcome.action()).isEqualTo(DeliveryAction.FAILED);
        assertThat(outcome.status()).hasToString("5.1.1");
        assertThat(outcome.remoteReply()).isEqualTo("550 5.1.1 no such user");
    }

    @Test
    void failuresWithoutAReplyAreRetriedOrFailedByTheirKindAndSayWhatHappened() {
        DeliveryRound.Pending mail = arrived("bob@example.test", "ann@nomail.test");
        Map<String, SmtpDelivery.DomainAttempt> attempts = Map.of(
            "example.test", new SmtpDelivery.DomainAttempt(List.of(refused("bob@example.test", T0)), false),
            "nomail.test", new SmtpDelivery.DomainAttempt(List.of(AttemptOutcome.permanent("ann@nomail.test",
                EnhancedStatusCode.parse("5.1.10"), "null MX: nomail.test accepts no mail", "", SmtpPhase.CONNECT, T0)), false));

        DeliveryRound.Result first = round.decide(mail, attempts, T0);
        DeliveryRound.Pending again = new DeliveryRound.Pending(SENDER, first.remaining(), Map.of());
        Instant later = T0.plus(Duration.ofMinutes(20));
        DeliveryRound.Result warned = round.decide(again, at("example.test", false, refused("bob@example.test", later)), later);

        assertThat(first.remaining()).extracting(RecipientState::recipient).containsExactly("bob@example.test");
        assertThat(first.remaining().get(0).lastOutcome().failureClass()).isEqualTo(FailureClass.REFUSED);
        DeliveryOutcome nullMx = first.notice(RecipientNotice.Action.FAILED).orElseThrow().outcomes().get(0);
        assertThat(nullMx.status()).hasToString("5.1.10");
        assertThat(nullMx.diagnostic()).startsWith("null MX");
        DeliveryOutcome delay = warned.notice(RecipientNotice.Action.DELAYED).orElseThrow().outcomes().get(0);
        assertThat(delay.status()).hasToString("4.4.1");
        assertThat(delay.remoteReply()).isNull();
        assertThat(delay.remoteHost()).isEqualTo(HOST);
        assertThat(delay.diagnostic()).isEqualTo("connection refused by " + HOST);
        assertThat(delay.failure()).isEqualTo(FailureClass.REFUSED);
    }

    @Test
    void recipientsNotYetDueAreLeftAsTheyAre() {
        RecipientState waiting = new RecipientState("bob@example.test", RecipientState.arrived("x@y", T0).retry(),
            T0.plus(Duration.ofMinutes(30)), null);
        DeliveryRound.Pending mail = pending(SENDER, Map.of(), waiting, RecipientState.arrived("ann@example.test", T0));
        Instant now = T0.plus(Duration.ofMinutes(5));

        assertThat(round.due(mail, now)).isEqualTo(Map.of("example.test", List.of("ann@example.test")));
        DeliveryRound.Result result = round.decide(mail, at("example.test", true, reply("ann@example.test", "250 ok", now)), now);

        assertThat(result.remaining()).containsExactly(waiting);
        assertThat(result.requeueAfter()).contains(Duration.ofMinutes(25));
        assertThat(result.notices()).isEmpty();
    }

    @Test
    void aRecipientDueWithinTheMarginGoesAlong() {
        RecipientState almost = new RecipientState("bob@example.test", RecipientState.arrived("x@y", T0).retry(),
            T0.plusMillis(500), null);

        assertThat(round.due(pending(SENDER, Map.of(), almost), T0)).containsKey("example.test");
    }

    @Test
    void mixedRecipientsAtSeveralDomainsShareOneNoticePerAction() {
        DeliveryRound.Pending mail = arrived("ok@example.test", "gone@example.test", "full@example.test", "bob@other.test",
            "ann@OTHER.test");
        assertThat(round.due(mail, T0).keySet()).containsExactly("example.test", "other.test");
        Map<String, SmtpDelivery.DomainAttempt> attempts = Map.of(
            "example.test", new SmtpDelivery.DomainAttempt(List.of(reply("ok@example.test", "250 ok", T0),
                reply("gone@example.test", "550 5.1.1 gone", T0), reply("full@example.test", "452 4.2.2 full", T0)), true),
            "other.test", new SmtpDelivery.DomainAttempt(List.of(reply("bob@other.test", "554 5.7.1 refused", T0),
                reply("ann@OTHER.test", "250 ok", T0)), true));

        DeliveryRound.Result result = round.decide(mail, attempts, T0);

        assertThat(result.remaining()).extracting(RecipientState::recipient).containsExactly("full@example.test");
        assertThat(result.delivered()).extracting(AttemptOutcome::recipient).containsExactly("ok@example.test", "ann@OTHER.test");
        assertThat(result.notices()).hasSize(1);
        assertThat(result.notices().get(0).recipients()).containsExactly("gone@example.test", "bob@other.test");
        assertThat(result.notices().get(0).outcomes()).extracting(o -> o.status().toString()).containsExactly("5.1.1", "5.7.1");
    }

    @Test
    void aNullSenderGivesUpAfterItsShorterLifetimeAndIsNeverWarned() {
        DeliveryRound longRound = new DeliveryRound(policy().withNullSenderLifetime(Duration.ofMinutes(25))
            .withDelayWarnings(DelayWarnings.parse("5m")), NotificationPolicy.defaults());
        DeliveryRound.Pending bounce = new DeliveryRound.Pending("", DeliveryRound.statesOf(List.of("bob@example.test"),
            List.of(), T0), Map.of());

        List<DeliveryRound.Result> results = untilDone(longRound, bounce, now -> refused("bob@example.test", now));

        assertThat(results).hasSize(4); // 0, 10, 20 retried; at 30 minutes past the 25-minute lifetime
        assertThat(results).allMatch(r -> r.notice(RecipientNotice.Action.DELAYED).isEmpty());
        DeliveryOutcome failed = results.get(3).notice(RecipientNotice.Action.FAILED).orElseThrow().outcomes().get(0);
        assertThat(failed.status()).isEqualTo(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
        assertThat(failed.diagnostic()).isEqualTo("connection refused by " + HOST);
    }

    @Test
    void notifyDecidesDelayWarningsAndRelaysButFailuresAreAlwaysNoticed() {
        Map<String, RecipientDsn> dsn = Map.of(
            "never@example.test", new RecipientDsn(Set.of(Notify.NEVER), null),
            "failure@example.test", new RecipientDsn(Set.of(Notify.FAILURE), null),
            "delay@example.test", new RecipientDsn(Set.of(Notify.DELAY), null));
        List<String> recipients = List.of("never@example.test", "failure@example.test", "delay@example.test", "none@example.test");
        DeliveryRound quiet = new DeliveryRound(policy(), NotificationPolicy.defaults().withWarnWithoutNotify(false));
        Instant now = T0.plus(Duration.ofMinutes(20));
        List<RecipientState> states = DeliveryRound.statesOf(recipients, List.of(), T0);
        AttemptOutcome[] temporary = recipients.stream().map(r -> reply(r, "451 4.3.0 later", now)).toArray(AttemptOutcome[]::new);
        AttemptOutcome[] permanent = recipients.stream().map(r -> reply(r, "550 5.1.1 gone", now)).toArray(AttemptOutcome[]::new);

        DeliveryRound.Result byDefault = round.decide(new DeliveryRound.Pending(SENDER, states, dsn),
            at("example.test", true, temporary), now);
        DeliveryRound.Result withoutNotifyQuiet = quiet.decide(new DeliveryRound.Pending(SENDER, states, dsn),
            at("example.test", true, temporary), now);
        DeliveryRound.Result failures = quiet.decide(new DeliveryRound.Pending(SENDER, states, dsn),
            at("example.test", true, permanent), now);

        assertThat(byDefault.notice(RecipientNotice.Action.DELAYED).orElseThrow().recipients())
            .containsExactly("delay@example.test", "none@example.test");
        assertThat(withoutNotifyQuiet.notice(RecipientNotice.Action.DELAYED).orElseThrow().recipients())
            .containsExactly("delay@example.test");
        assertThat(failures.notice(RecipientNotice.Action.FAILED).orElseThrow().recipients()).containsExactlyElementsOf(recipients);
    }

    @Test
    void aDomainWithoutAnAttemptOrARecipientWithoutAnOutcomeWaitsAndIsNeverDropped() {
        DeliveryRound.Pending mail = arrived("bob@example.test", "ann@example.test", "cid@crashed.test");

        DeliveryRound.Result result = round.decide(mail, at("example.test", true, reply("bob@example.test", "250 ok", T0)), T0);

        assertThat(result.remaining()).extracting(RecipientState::recipient).containsExactly("ann@example.test", "cid@crashed.test");
        assertThat(result.remaining()).allMatch(s -> s.nextAttempt().equals(T0.plus(DeliveryRound.ERROR_DELAY)));
        assertThat(result.requeueAfter()).contains(DeliveryRound.ERROR_DELAY);
        assertThat(result.problems()).containsExactly("no outcome for ann@example.test at example.test");
    }

    @Test
    void anOutcomeForARecipientThatWasNotDueIsIgnored() {
        RecipientState waiting = new RecipientState("bob@example.test", RecipientState.arrived("x@y", T0).retry(),
            T0.plus(Duration.ofHours(1)), null);

        DeliveryRound.Result result = round.decide(pending(SENDER, Map.of(), waiting),
            at("example.test", true, reply("bob@example.test", "250 ok", T0)), T0);

        assertThat(result.remaining()).containsExactly(waiting);
        assertThat(result.delivered()).isEmpty();
        assertThat(result.problems()).hasSize(1);
    }

    @Test
    void statesKeepTheStoredOnesAndStartTheOthers() {
        RecipientState stored = new RecipientState("bob@example.test", RecipientState.arrived("x@y", T0).retry(),
            T0.plus(Duration.ofHours(1)), null);
        Instant now = T0.plus(Duration.ofMinutes(3));

        List<RecipientState> states = DeliveryRound.statesOf(List.of("ann@example.test", "bob@example.test"),
            List.of(stored, RecipientState.arrived("gone@example.test", T0)), now);

        assertThat(states).containsExactly(RecipientState.arrived("ann@example.test", now), stored);
    }

    @Test
    void afterAnErrorTheMailWaitsWithinItsLifetimeOnly() {
        List<RecipientState> states = List.of(RecipientState.arrived("bob@example.test", T0));

        assertThat(round.afterError(states, SENDER, T0.plus(Duration.ofDays(4)))).contains(DeliveryRound.ERROR_DELAY);
        assertThat(round.afterError(states, SENDER, T0.plus(Duration.ofDays(6)))).isEmpty();
        assertThat(round.afterError(states, "", T0.plus(Duration.ofDays(3)))).isEmpty();
        assertThat(round.afterError(List.of(), SENDER, T0)).isEmpty();
    }

    @Test
    void theDomainsOfOneRoundAreAttemptedConcurrently() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch bothStarted = new CountDownLatch(2);
            DeliveryRound.Attempts attempts = DeliveryRound.attemptAll(
                Map.of("a.test", List.of("x@a.test"), "b.test", List.of("y@b.test")), (domain, recipients) -> {
                    bothStarted.countDown();
                    boolean together;
                    try {
                        // only when another thread runs the other domain does the count reach zero
                        together = bothStarted.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return new SmtpDelivery.DomainAttempt(List.of(reply(recipients.get(0),
                        together ? "250 ok" : "451 4.0.0 alone", T0)), true);
                }, executor);

            assertThat(attempts.errors()).isEmpty();
            assertThat(attempts.done().values()).allMatch(a -> a.outcomes().get(0).code() == 250);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void withoutAFreeThreadTheCallerAttemptsEveryDomainItselfAndAnErrorStaysWithItsDomain() {
        List<Runnable> neverRun = new ArrayList<>();
        Map<String, List<String>> due = new java.util.LinkedHashMap<>();
        due.put("a.test", List.of("x@a.test"));
        due.put("b.test", List.of("y@b.test"));
        due.put("c.test", List.of("z@c.test"));
        List<String> threads = new ArrayList<>();

        DeliveryRound.Attempts attempts = DeliveryRound.attemptAll(due, (domain, recipients) -> {
            threads.add(Thread.currentThread().getName());
            if (domain.equals("b.test")) {
                throw new IllegalStateException("broken");
            }
            return new SmtpDelivery.DomainAttempt(List.of(reply(recipients.get(0), "250 ok", T0)), true);
        }, neverRun::add);

        assertThat(neverRun).hasSize(2);
        assertThat(threads).containsOnly(Thread.currentThread().getName()).hasSize(3);
        assertThat(attempts.done().keySet()).containsExactly("a.test", "c.test");
        assertThat(attempts.errors().get("b.test")).hasMessage("broken");
        neverRun.forEach(Runnable::run); // a task the executor runs late does nothing again
        assertThat(threads).hasSize(3);
    }
}
