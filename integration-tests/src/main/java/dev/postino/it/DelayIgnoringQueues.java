package dev.postino.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Singleton;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;

import reactor.core.publisher.Mono;

/**
 * Mail queues that ignore delays as James 3.8.1's RabbitMQ queue does ({@code RabbitMQMailQueue.enQueue(mail, delay)}
 * logs "Ignored delay upon enqueue" and enqueues at once), for a cluster of in-process James nodes. James's RabbitMQ
 * queue needs Cassandra in 3.8.1 (and is not among the libraries here), so this stands in for it: the queues named in
 * {@code shared} are one queue for every node given {@link #module()} (a broker's queue, as RabbitMQ's is, each node a
 * consumer), every other queue is the node's own memory queue with its delays dropped. A mail is copied on enqueue
 * (message octets included), as a broker would; an item handed to a node and not completed when the node stops is
 * given back by {@link #requeueAbandoned()}, as RabbitMQ redelivers the unacknowledged messages of a closed channel.
 * Counts how many times each mail was taken from each shared queue.
 */
public final class DelayIgnoringQueues {

    private static final Logger LOGGER = LoggerFactory.getLogger(DelayIgnoringQueues.class);

    private final Set<String> shared;
    private final Map<String, SharedQueue> queues = new ConcurrentHashMap<>();

    public DelayIgnoringQueues(Set<String> shared) {
        this.shared = Set.copyOf(shared);
    }

    /** The bindings for one node (give each node its own call). */
    public Module module() {
        DelayIgnoringQueues cluster = this;
        return new AbstractModule() {
            @Provides
            @Singleton
            MailQueueFactory<?> mailQueueFactory(MemoryMailQueueFactory memory) {
                return cluster.new Factory(memory);
            }
        };
    }

    /** How many times each mail (by name) was taken from the shared queue {@code name}. */
    public Map<String, Integer> dequeues(String name) {
        SharedQueue queue = queues.get(name);
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        if (queue != null) {
            queue.dequeues.forEach((mail, count) -> counts.put(mail, count.get()));
        }
        return counts;
    }

    /** Mails waiting in the shared queue {@code name}, and mails handed out and not completed. */
    public int waiting(String name) {
        SharedQueue queue = queues.get(name);
        return queue == null ? 0 : queue.ready.size() + queue.inHand.size();
    }

    /**
     * Gives back to their queues the items handed to consumers that have cancelled (stopped nodes) and were never
     * completed; returns how many.
     */
    public int requeueAbandoned() {
        int count = 0;
        for (SharedQueue queue : queues.values()) {
            count += queue.requeueAbandoned();
        }
        return count;
    }

    private SharedQueue shared(MailQueueName name) {
        return queues.computeIfAbsent(name.asString(), n -> new SharedQueue(name));
    }

    private final class Factory implements MailQueueFactory<MailQueue> {
        private final MemoryMailQueueFactory memory;

        Factory(MemoryMailQueueFactory memory) {
            this.memory = memory;
        }

        @Override
        public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            if (shared.contains(name.asString())) {
                return Optional.of(shared(name));
            }
            return memory.getQueue(name, count).map(DelayDropping::new);
        }

        @Override
        public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
            if (shared.contains(name.asString())) {
                return shared(name);
            }
            return new DelayDropping(memory.createQueue(name, count));
        }

        @Override
        public Set<MailQueueName> listCreatedMailQueues() {
            return memory.listCreatedMailQueues();
        }
    }

    private static void ignoredDelay(Mail mail, Duration delay) {
        if (!delay.isZero() && !delay.isNegative()) {
            LOGGER.info("Ignored delay upon enqueue of {} : {}.", mail.getName(), delay);
        }
    }

    /** A node's own queue, delays dropped. */
    private static final class DelayDropping implements MailQueue {
        private final MailQueue queue;

        DelayDropping(MailQueue queue) {
            this.queue = queue;
        }

        @Override
        public MailQueueName getName() {
            return queue.getName();
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            ignoredDelay(mail, delay);
            queue.enQueue(mail);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            queue.enQueue(mail);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return queue.enqueueReactive(mail);
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return queue.deQueue();
        }

        @Override
        public void close() throws IOException {
            queue.close();
        }
    }

    /** One queue for all nodes: a deque of copies, each consumer fed by its own thread as it asks. */
    private static final class SharedQueue implements MailQueue {
        private final MailQueueName name;
        final LinkedBlockingDeque<Mail> ready = new LinkedBlockingDeque<>();
        final Map<Item, Consumer> inHand = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> dequeues = new ConcurrentHashMap<>();

        SharedQueue(MailQueueName name) {
            this.name = name;
        }

        @Override
        public MailQueueName getName() {
            return name;
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            ignoredDelay(mail, delay);
            enQueue(mail);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            try {
                ByteArrayOutputStream octets = new ByteArrayOutputStream();
                mail.getMessage().writeTo(octets);
                Mail copy = mail.duplicate();
                copy.setName(mail.getName());
                copy.setMessage(new MimeMessage(Session.getDefaultInstance(new Properties()),
                    new ByteArrayInputStream(octets.toByteArray())));
                ready.add(copy);
                LOGGER.info("{} enqueued into the shared {} by {}", mail.getName(), name.asString(), Thread.currentThread().getName());
            } catch (MessagingException | IOException e) {
                throw new MailQueueException("cannot copy " + mail.getName() + " into " + name.asString(), e);
            }
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return Mono.fromRunnable(() -> {
                try {
                    enQueue(mail);
                } catch (MailQueueException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return subscriber -> new Consumer(this, subscriber).start();
        }

        @Override
        public void close() {
        }

        int requeueAbandoned() {
            List<Item> abandoned = new ArrayList<>();
            inHand.forEach((item, consumer) -> {
                if (consumer.cancelled) {
                    abandoned.add(item);
                }
            });
            int count = 0;
            for (Item item : abandoned) {
                if (inHand.remove(item) != null) {
                    ready.addFirst(item.mail);
                    count++;
                }
            }
            return count;
        }
    }

    private static final class Consumer implements Subscription {
        private final SharedQueue queue;
        private final Subscriber<? super MailQueue.MailQueueItem> subscriber;
        private final Semaphore demand = new Semaphore(0);
        volatile boolean cancelled;

        Consumer(SharedQueue queue, Subscriber<? super MailQueue.MailQueueItem> subscriber) {
            this.queue = queue;
            this.subscriber = subscriber;
        }

        void start() {
            subscriber.onSubscribe(this);
            Thread feeder = new Thread(this::feed, "shared-queue-" + queue.name.asString());
            feeder.setDaemon(true);
            feeder.start();
        }

        private void feed() {
            try {
                while (!cancelled) {
                    if (!demand.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    Mail mail = null;
                    while (mail == null && !cancelled) {
                        mail = queue.ready.poll(100, TimeUnit.MILLISECONDS);
                    }
                    if (mail == null) {
                        return;
                    }
                    if (cancelled) {
                        queue.ready.addFirst(mail);
                        return;
                    }
                    Item item = new Item(queue, mail);
                    queue.inHand.put(item, this);
                    queue.dequeues.computeIfAbsent(mail.getName(), n -> new AtomicInteger()).incrementAndGet();
                    subscriber.onNext(item);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void request(long n) {
            demand.release((int) Math.min(n, 1_000_000));
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private static final class Item implements MailQueue.MailQueueItem {
        private final SharedQueue queue;
        final Mail mail;

        Item(SharedQueue queue, Mail mail) {
            this.queue = queue;
            this.mail = mail;
        }

        @Override
        public Mail getMail() {
            return mail;
        }

        @Override
        public void done(CompletionStatus status) {
            if (queue.inHand.remove(this) != null && status == CompletionStatus.RETRY) {
                queue.ready.add(mail);
            }
        }
    }
}
