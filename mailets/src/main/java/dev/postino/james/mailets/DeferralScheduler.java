package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.deferral.DeferralStore;
import dev.postino.core.deferral.DeferredMail;
import dev.postino.core.delivery.DeliveryRound;

/**
 * The deferral store path: a mail due later is parked in the {@link DeferralStore} (not queued), and one thread per
 * node releases what is due back into the queue every {@code poll}: claim a batch, then for each mail take it (the
 * claim checked and its lease renewed), enqueue it, and delete its row. Each run is bounded: at most {@value #MAX_BATCHES} batches and {@link #MAX_RUN} of time, so a large backlog
 * is released over several runs rather than holding the thread. A mail that cannot be enqueued is unclaimed and tried
 * at the next run. A mail due within {@link DeliveryRound#DUE_MARGIN} goes straight back to the queue.
 */
final class DeferralScheduler implements Deferral {

    static final int MAX_BATCHES = 20;
    static final Duration MAX_RUN = Duration.ofSeconds(10);

    private static final Logger LOGGER = LoggerFactory.getLogger(DeferralScheduler.class);

    private final DeferralStore store;
    private final MailQueue queue;
    private final Clock clock;
    private final Duration poll;
    private final int batch;
    private final Duration lease;
    private final Runnable onClose;
    private final ScheduledExecutorService timer;

    DeferralScheduler(DeferralStore store, MailQueue queue, Clock clock, Duration poll, int batch, Duration lease, Runnable onClose) {
        this.store = store;
        this.queue = queue;
        this.clock = clock;
        this.poll = poll;
        this.batch = batch;
        this.lease = lease;
        this.onClose = onClose;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "postino-deferral");
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        timer.scheduleWithFixedDelay(this::run, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void later(Mail mail, Duration delay) throws MessagingException {
        if (delay.compareTo(DeliveryRound.DUE_MARGIN) <= 0) {
            queue.enQueue(mail);
            return;
        }
        Instant now = clock.instant();
        store.park(DeferredMailCodec.encode(mail, DeliveryAttributes.states(mail), now.plus(delay)), now);
    }

    /** One run: releases due mails until none is due, or the run's bounds are reached; never throws. */
    void run() {
        try {
            long deadline = System.nanoTime() + MAX_RUN.toNanos();
            for (int i = 0; i < MAX_BATCHES && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted(); i++) {
                List<DeferralStore.Claim> claims = store.claimDue(clock.instant(), lease, batch);
                for (DeferralStore.Claim claim : claims) {
                    if (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                        release(claim);
                    } else {
                        store.unclaim(claim.name(), claim.token()); // out of time: free for any node at once
                    }
                }
                if (claims.size() < batch) {
                    return;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            LOGGER.warn("Releasing deferred mail failed; trying again in {} ms: {}", poll.toMillis(), e.toString());
        }
    }

    private void release(DeferralStore.Claim claim) {
        String name = claim.name();
        MailImpl mail = null;
        try {
            Optional<DeferredMail> parked = store.take(claim, clock.instant(), lease);
            if (parked.isEmpty()) {
                return; // the lease ran out and another node has it, or it was parked again: not this claim's to release
            }
            mail = DeferredMailCodec.decode(parked.get());
            DeliveryAttributes.setStates(mail, parked.get().states()); // the row's states rule (release now moves them)
            if (claim.bounceRequested() || parked.get().bounceRequested()) { // also when asked after the claim
                mail.setAttribute(new Attribute(DeferredMailCodec.GIVE_UP, AttributeValue.of("bounced by the administrator")));
            }
            queue.enQueue(mail);
        } catch (Exception | LinkageError e) {
            LOGGER.warn("Cannot give the deferred mail {} back to the queue; trying again: {}", name, e.toString());
            try {
                store.unclaim(name, claim.token());
            } catch (RuntimeException again) {
                LOGGER.warn("Cannot unclaim {}; it is released when its lease ends: {}", name, again.toString());
            }
            return;
        } finally {
            LifecycleUtil.dispose(mail);
        }
        try {
            // queued: only now may the row go (a failure here queues it once more after the lease: at least once)
            store.released(name, claim.token());
        } catch (RuntimeException e) {
            LOGGER.warn("{} is queued again but its parked copy could not be deleted; it is released again after its"
                + " lease: {}", name, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(15, TimeUnit.SECONDS)) {
                LOGGER.warn("The deferral scheduler did not stop within 15 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            onClose.run();
        }
    }
}
