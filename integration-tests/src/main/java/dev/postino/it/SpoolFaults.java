package dev.postino.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import javax.inject.Singleton;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;

import reactor.core.publisher.Mono;

/**
 * James's spool made to refuse chosen mails, as a spool on a full disk or an unreachable broker would: with
 * {@link #module()} given to {@link JamesMemoryServer.Builder#overrideWith}, the memory spool queue that every
 * {@code MailetContext.sendMail} enqueues into throws {@code MailQueueException} for the mails a test named with
 * {@link #refuse}, and takes every other mail as usual. It is how a test makes a mailet's hand-off to another
 * processor fail in a real James, whose memory spool never refuses anything on its own. Other queues (e.g. a
 * mailet's own outgoing queue) are James's, untouched, and so is what WebAdmin sees of the spool. It also lists
 * what every queue holds ({@link #queuedRecipients}), to show that a refused hand-off left nothing to be sent again.
 */
public final class SpoolFaults {

    /** A mail the spool refused: its name, state (target processor) and recipients at the time. */
    public record Refusal(String name, String state, List<String> recipients) {
    }

    private volatile MemoryMailQueueFactory memory;
    private volatile Predicate<Mail> refused = mail -> false;
    private final AtomicInteger refusalsLeft = new AtomicInteger();
    private final List<Refusal> refusals = Collections.synchronizedList(new ArrayList<>());

    /** The bindings to give {@link JamesMemoryServer.Builder#overrideWith}. */
    public Module module() {
        SpoolFaults faults = this;
        return new AbstractModule() {
            @Provides
            @Singleton
            MailQueueFactory<?> mailQueueFactory(MemoryMailQueueFactory memory) {
                faults.memory = memory;
                return faults.new Factory(memory);
            }
        };
    }

    /** From now on the spool refuses the next {@code times} mails that {@code which} accepts; {@link #refusals} starts empty. */
    public SpoolFaults refuse(Predicate<Mail> which, int times) {
        refusals.clear();
        refusalsLeft.set(times);
        refused = which;
        return this;
    }

    /** The spool takes every mail again. */
    public SpoolFaults stop() {
        refusalsLeft.set(0);
        refused = mail -> false;
        return this;
    }

    /** Every mail the spool refused so far, in order. */
    public List<Refusal> refusals() {
        synchronized (refusals) {
            return List.copyOf(refusals);
        }
    }

    /**
     * The recipients of every mail waiting in each of James's queues (by queue name), delayed ones included: what a
     * test checks to see that nothing is left to be sent again, however far off its next attempt.
     */
    public Map<String, List<List<String>>> queuedRecipients() throws MailQueue.MailQueueException {
        if (memory == null) {
            throw new IllegalStateException("James was not started with module()");
        }
        Map<String, List<List<String>>> queued = new TreeMap<>();
        for (MailQueueName name : memory.listCreatedMailQueues()) {
            ManageableMailQueue queue = memory.getQueue(name).orElseThrow();
            List<List<String>> mails = new ArrayList<>();
            ManageableMailQueue.MailQueueIterator items = queue.browse();
            try {
                items.forEachRemaining(item -> mails.add(item.getMail().getRecipients().stream()
                    .map(r -> r.asString()).toList()));
            } finally {
                items.close();
            }
            queued.put(name.asString(), mails);
        }
        return queued;
    }

    private void check(MailQueueName queue, Mail mail) throws MailQueue.MailQueueException {
        if (refused.test(mail) && refusalsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            refusals.add(new Refusal(mail.getName(), mail.getState(),
                mail.getRecipients().stream().map(r -> r.asString()).toList()));
            throw new MailQueue.MailQueueException("spool " + queue.asString() + " refuses " + mail.getName()
                + " (test fault)");
        }
    }

    private final class Factory implements MailQueueFactory<MailQueue> {
        private final MemoryMailQueueFactory memory;

        Factory(MemoryMailQueueFactory memory) {
            this.memory = memory;
        }

        private MailQueue wrap(MailQueue queue) {
            return queue.getName().equals(SPOOL) ? new RefusingQueue(queue) : queue;
        }

        @Override
        public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            return memory.getQueue(name, count).map(this::wrap);
        }

        @Override
        public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
            return wrap(memory.createQueue(name, count));
        }

        @Override
        public Set<MailQueueName> listCreatedMailQueues() {
            return memory.listCreatedMailQueues();
        }
    }

    private final class RefusingQueue implements MailQueue {
        private final MailQueue spool;

        RefusingQueue(MailQueue spool) {
            this.spool = spool;
        }

        @Override
        public MailQueueName getName() {
            return spool.getName();
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            check(getName(), mail);
            spool.enQueue(mail, delay);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            check(getName(), mail);
            spool.enQueue(mail);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return Mono.fromRunnable(() -> {
                try {
                    check(getName(), mail);
                } catch (MailQueueException e) {
                    throw new IllegalStateException(e);
                }
            }).then(Mono.from(spool.enqueueReactive(mail)));
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return spool.deQueue();
        }

        @Override
        public void close() throws java.io.IOException {
            spool.close();
        }
    }
}
