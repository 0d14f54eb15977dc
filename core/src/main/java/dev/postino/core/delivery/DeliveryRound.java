package dev.postino.core.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.retry.RetryDecision;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/**
 * One delivery round of one queued mail, as values (Postfix's queue manager and delivery agent split, in Postino's
 * terms): the recipients' {@link RecipientState states} and {@code now} give the recipients due, grouped by domain
 * ({@link #due}); the attempts' outcomes give each recipient's next state, when the mail is due again and the notices
 * for the sender ({@link #decide}). Per recipient:
 * <ul>
 *   <li>delivered: done; a {@code relayed} notice when the next hop did not offer DSN and the sender asked for
 *       SUCCESS ({@link NotificationPolicy#reportsRelay});</li>
 *   <li>permanent failure (5xx, null MX, message over the SIZE limit...): done, with a {@code failed} notice;</li>
 *   <li>temporary failure: the {@link RetryPolicy} decides. Retry: the next state, and a {@code delayed} notice when a
 *       warning age was reached and {@link NotificationPolicy#warnsOfDelay} allows one; give up: a {@code failed}
 *       notice with {@code 4.4.7} that keeps the last attempt's outcome (its reply, host and cause);</li>
 *   <li>not due, or due without an outcome (its domain's attempt failed unexpectedly): unchanged, the latter waiting
 *       {@link #ERROR_DELAY}.</li>
 * </ul>
 * Failed notices are made whatever NOTIFY says (the bounce mailet decides what the sender hears, and the bounce
 * processor may keep them); delay and relay notices only where the notification policy allows. The notices of one
 * round are one per action for all its domains, so that recipients failing in the same round share one notification.
 * Immutable and thread-safe.
 */
public final class DeliveryRound {

    /** Recipients due within this margin go along with the round rather than waiting for their own. */
    public static final Duration DUE_MARGIN = Duration.ofSeconds(1);
    /** After an unexpected error a recipient (or a whole mail) waits this long rather than spinning. */
    public static final Duration ERROR_DELAY = Duration.ofMinutes(5);

    private final RetryPolicy retryPolicy;
    private final NotificationPolicy notificationPolicy;

    public DeliveryRound(RetryPolicy retryPolicy, NotificationPolicy notificationPolicy) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.notificationPolicy = Objects.requireNonNull(notificationPolicy, "notificationPolicy");
    }

    /**
     * A queued mail as the round sees it.
     *
     * @param sender the reverse-path, empty for the null sender
     * @param states one per recipient still to deliver, in the mail's order
     * @param dsn    each recipient's DSN parameters; a recipient without an entry has none
     */
    public record Pending(String sender, List<RecipientState> states, Map<String, RecipientDsn> dsn) {
        public Pending {
            Objects.requireNonNull(sender, "sender");
            states = List.copyOf(states);
            dsn = Map.copyOf(dsn);
        }

        boolean nullSender() {
            return sender.isEmpty();
        }

        RecipientDsn dsnOf(String recipient) {
            return dsn.getOrDefault(recipient, RecipientDsn.NONE);
        }

        /** The recipients as the SMTP client sends them, with the NOTIFY and ORCPT to pass on. */
        public List<OutboundMessage.Recipient> outbound(List<String> recipients) {
            return recipients.stream().map(r -> new OutboundMessage.Recipient(r, dsnOf(r).notifyKeywords(),
                dsnOf(r).original() == null ? null : dsnOf(r).original().toString())).toList();
        }
    }

    /**
     * What the sender is told about some recipients in one notice: all of one action.
     *
     * @param outcomes each notice as the notification reads it (with the ORCPT the sender gave)
     */
    public record Notice(RecipientNotice.Action action, List<RecipientNotice> notices, List<DeliveryOutcome> outcomes) {
        public Notice {
            notices = List.copyOf(notices);
            outcomes = List.copyOf(outcomes);
        }

        public List<String> recipients() {
            return notices.stream().map(RecipientNotice::recipient).toList();
        }

        /** {@code recipient: diagnostic} lines, the last reply or what happened for each. */
        public String summary() {
            return notices.stream().map(n -> n.recipient() + ": " + n.lastOutcome().diagnostic())
                .collect(Collectors.joining("\n"));
        }
    }

    /**
     * What a round decided.
     *
     * @param remaining    the recipients still to deliver, with their next states, in the mail's order
     * @param requeueAfter when the mail is due again (the earliest next attempt, not before now); empty when no
     *                     recipient remains
     * @param delivered    the outcomes of the recipients delivered in this round
     * @param notices      the notices to hand over, failed first, then delayed, then relayed; none empty
     * @param problems     what could not be decided and why (those recipients wait {@link #ERROR_DELAY}), for the log
     */
    public record Result(List<RecipientState> remaining, Optional<Duration> requeueAfter, List<AttemptOutcome> delivered,
                         List<Notice> notices, List<String> problems) {
        public Result {
            remaining = List.copyOf(remaining);
            delivered = List.copyOf(delivered);
            notices = List.copyOf(notices);
            problems = List.copyOf(problems);
        }

        /** The notice of {@code action}, if the round made one. */
        public Optional<Notice> notice(RecipientNotice.Action action) {
            return notices.stream().filter(n -> n.action() == action).findFirst();
        }
    }

    /**
     * The states of a mail's recipients: the stored one of each, else a new one that arrived at {@code now}
     * (stored states of recipients no longer on the mail are dropped).
     */
    public static List<RecipientState> statesOf(List<String> recipients, List<RecipientState> stored, Instant now) {
        Map<String, RecipientState> byRecipient = new LinkedHashMap<>();
        stored.forEach(s -> byRecipient.putIfAbsent(s.recipient(), s));
        return recipients.stream().map(r -> byRecipient.getOrDefault(r, RecipientState.arrived(r, now))).toList();
    }

    /** The recipients due at {@code now} (within {@link #DUE_MARGIN}), by domain in lower case, in the mail's order. */
    public Map<String, List<String>> due(Pending mail, Instant now) {
        Instant horizon = now.plus(DUE_MARGIN);
        return mail.states().stream().filter(s -> !s.nextAttempt().isAfter(horizon)).map(RecipientState::recipient)
            .collect(Collectors.groupingBy(DeliveryRound::domainOf, LinkedHashMap::new, Collectors.toList()));
    }

    /**
     * The round's decisions after the attempts at {@code now}: one per due domain, keyed as {@link #due} gives them;
     * a due domain without an attempt (it failed unexpectedly) leaves its recipients waiting {@link #ERROR_DELAY}.
     * Never throws for what a policy or an outcome does: such a recipient waits too, named in {@link Result#problems}.
     */
    public Result decide(Pending mail, Map<String, SmtpDelivery.DomainAttempt> attempts, Instant now) {
        Map<String, RecipientState> next = new LinkedHashMap<>();
        mail.states().forEach(s -> next.put(s.recipient(), s));
        List<AttemptOutcome> delivered = new ArrayList<>();
        Map<RecipientNotice.Action, List<RecipientNotice>> notices = new LinkedHashMap<>();
        for (RecipientNotice.Action action : List.of(RecipientNotice.Action.FAILED, RecipientNotice.Action.DELAYED,
            RecipientNotice.Action.RELAYED)) {
            notices.put(action, new ArrayList<>());
        }
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> due = due(mail, now);
        attempts.keySet().stream().filter(domain -> !due.containsKey(domain)).forEach(domain ->
            problems.add("an attempt at " + domain + ", where no recipient was due: its outcomes are ignored"));
        for (Map.Entry<String, List<String>> dueAtDomain : due.entrySet()) {
            String domain = dueAtDomain.getKey();
            List<String> undecided = new ArrayList<>(dueAtDomain.getValue());
            SmtpDelivery.DomainAttempt attempt = attempts.get(domain);
            for (AttemptOutcome outcome : attempt == null ? List.<AttemptOutcome>of() : attempt.outcomes()) {
                RecipientState state = next.get(outcome.recipient());
                if (state == null || !undecided.remove(outcome.recipient())) {
                    problems.add("an outcome for " + outcome.recipient() + ", who was not due at " + domain + ": " + outcome);
                    continue;
                }
                try {
                    decide(mail, domain, attempt.dsnOffered(), state, outcome, now, next, delivered, notices);
                } catch (RuntimeException e) {
                    // A delivered recipient is never tried again; any other waits rather than being decided wrongly.
                    problems.add("cannot decide about " + outcome.recipient() + " after " + outcome + ": " + e);
                    if (outcome.result() == AttemptOutcome.Result.DELIVERED) {
                        next.remove(outcome.recipient());
                    } else {
                        next.put(outcome.recipient(), waiting(state, now, outcome));
                    }
                }
            }
            for (String recipient : undecided) {
                // Every recipient stays queued unless its outcome says otherwise: one without an outcome is never dropped.
                RecipientState state = next.get(recipient);
                next.put(recipient, waiting(state, now, state.lastOutcome()));
                if (attempt != null) {
                    problems.add("no outcome for " + recipient + " at " + domain);
                }
            }
        }
        Optional<Duration> requeueAfter = next.values().stream().map(RecipientState::nextAttempt).min(Instant::compareTo)
            .map(earliest -> earliest.isAfter(now) ? Duration.between(now, earliest) : Duration.ZERO);
        List<Notice> made = new ArrayList<>();
        notices.forEach((action, list) -> {
            if (!list.isEmpty()) {
                made.add(new Notice(action, list, list.stream().map(n -> notificationPolicy.withOriginalRecipient(
                    n.forNotification(null), mail.dsnOf(n.recipient()))).toList()));
            }
        });
        return new Result(List.copyOf(next.values()), requeueAfter, delivered, made, problems);
    }

    private void decide(Pending mail, String domain, boolean dsnOffered, RecipientState state, AttemptOutcome outcome,
                        Instant now, Map<String, RecipientState> next, List<AttemptOutcome> delivered,
                        Map<RecipientNotice.Action, List<RecipientNotice>> notices) {
        String recipient = outcome.recipient();
        RecipientDsn dsn = mail.dsnOf(recipient);
        switch (outcome.result()) {
            case DELIVERED -> {
                next.remove(recipient);
                delivered.add(outcome);
                if (notificationPolicy.reportsRelay(mail.sender(), dsnOffered, dsn)) {
                    notices.get(RecipientNotice.Action.RELAYED).add(
                        new RecipientNotice(RecipientNotice.Action.RELAYED, outcome.status(), null, outcome));
                }
            }
            case PERMANENT -> {
                next.remove(recipient);
                notices.get(RecipientNotice.Action.FAILED).add(
                    new RecipientNotice(RecipientNotice.Action.FAILED, outcome.status(), null, outcome));
            }
            case TEMPORARY -> {
                RetryDecision decision = retryPolicy.afterFailure(domain, outcome.asFailure(), state.retry(),
                    mail.nullSender(), now);
                if (decision instanceof RetryDecision.Retry retry) {
                    next.put(recipient, new RecipientState(recipient, retry.state(), retry.nextAttempt(), outcome));
                    if (retry.warningDue() && notificationPolicy.warnsOfDelay(mail.sender(), dsn)) {
                        notices.get(RecipientNotice.Action.DELAYED).add(new RecipientNotice(RecipientNotice.Action.DELAYED,
                            outcome.status(), retryPolicy.willRetryUntil(retry.rule(), retry.state(), mail.nullSender()),
                            outcome));
                    }
                } else {
                    next.remove(recipient);
                    notices.get(RecipientNotice.Action.FAILED).add(new RecipientNotice(RecipientNotice.Action.FAILED,
                        ((RetryDecision.GiveUp) decision).status(), null, outcome));
                }
            }
        }
    }

    /**
     * An administrator gives up on the mail now (e.g. WebAdmin's "bounce now"): every recipient fails with
     * {@code status}, in one failed notice made as a give-up makes it, keeping each recipient's last outcome (or,
     * for one never tried, {@code why} as a local outcome at {@code now}). Nothing remains.
     */
    public Result giveUp(Pending mail, EnhancedStatusCode status, String why, Instant now) {
        List<RecipientNotice> failed = mail.states().stream().map(s -> new RecipientNotice(RecipientNotice.Action.FAILED,
            status, null, s.lastOutcome() != null ? s.lastOutcome() : AttemptOutcome.permanent(s.recipient(),
                new EnhancedStatusCode(5, 0, 0), why, null, SmtpPhase.CONNECT, now))).toList();
        List<Notice> notices = failed.isEmpty() ? List.of() : List.of(new Notice(RecipientNotice.Action.FAILED, failed,
            failed.stream().map(n -> notificationPolicy.withOriginalRecipient(n.forNotification(null),
                mail.dsnOf(n.recipient()))).toList()));
        return new Result(List.of(), Optional.empty(), List.of(), notices, List.of());
    }

    /**
     * After an unexpected error with the whole mail (an unreadable message, a failing store): the pause before it is
     * tried again while the earliest arrival is within the queue lifetime; empty when it is past it (or no state is
     * known), so that the mail is set aside rather than retried forever.
     */
    public Optional<Duration> afterError(List<RecipientState> states, String sender, Instant now) {
        return states.stream().map(s -> s.retry().arrival()).min(Instant::compareTo)
            .filter(arrival -> retryPolicy.withinLifetime(arrival, sender.isEmpty(), now))
            .map(arrival -> ERROR_DELAY);
    }

    /**
     * The results of the attempts of one round, one per domain; a domain whose attempt threw is in {@code errors}.
     */
    public record Attempts(Map<String, SmtpDelivery.DomainAttempt> done, Map<String, Throwable> errors) {
    }

    /**
     * Runs one attempt per due domain, concurrently on {@code executor}, and waits for them all. The calling thread
     * runs every attempt that no thread of the executor has started yet, so a busy executor (even one whose threads
     * are all calling this) never makes the round wait for a free thread: at worst the domains go one after another.
     * An interrupt does not cut the wait (an attempt that delivered must be known); it is kept for the caller.
     *
     * @param attempt delivers to some recipients (the value) at one domain (the key)
     */
    public static Attempts attemptAll(Map<String, List<String>> due,
                                      BiFunction<String, List<String>, SmtpDelivery.DomainAttempt> attempt, Executor executor) {
        Map<String, FutureTask<SmtpDelivery.DomainAttempt>> tasks = new LinkedHashMap<>();
        due.forEach((domain, recipients) -> tasks.put(domain, new FutureTask<>(() -> attempt.apply(domain, recipients))));
        tasks.values().stream().skip(1).forEach(task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException shuttingDown) {
                // run below, by this thread
            }
        });
        Map<String, SmtpDelivery.DomainAttempt> done = new LinkedHashMap<>();
        Map<String, Throwable> errors = new LinkedHashMap<>();
        boolean interrupted = false;
        for (Map.Entry<String, FutureTask<SmtpDelivery.DomainAttempt>> task : tasks.entrySet()) {
            task.getValue().run(); // a no-op when a thread of the executor started it
            while (true) {
                try {
                    done.put(task.getKey(), task.getValue().get());
                    break;
                } catch (ExecutionException e) {
                    errors.put(task.getKey(), e.getCause());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return new Attempts(done, errors);
    }

    private static RecipientState waiting(RecipientState state, Instant now, AttemptOutcome outcome) {
        return new RecipientState(state.recipient(), state.retry(), now.plus(ERROR_DELAY), outcome);
    }

    /** The domain of an address, in lower case: what MX lookups and retry rules are keyed by. */
    static String domainOf(String recipient) {
        return recipient.substring(recipient.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
