package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

class QueueDelaySupportTest {

    private static final Duration WAIT = Duration.ofMillis(500);

    /** James's memory queue behind a class Postino does not know, with or without its delays. */
    private static final class Unknown implements MailQueue {
        private final MailQueue queue;
        private final boolean dropDelays;

        Unknown(MailQueue queue, boolean dropDelays) {
            this.queue = queue;
            this.dropDelays = dropDelays;
        }

        @Override
        public MailQueueName getName() {
            return queue.getName();
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            if (dropDelays) {
                queue.enQueue(mail);
            } else {
                queue.enQueue(mail, delay);
            }
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
        public void close() throws java.io.IOException {
            queue.close();
        }
    }

    private static MailQueueFactory<MailQueue> factory(MemoryMailQueueFactory memory, boolean dropDelays) {
        return new MailQueueFactory<>() {
            @Override
            public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
                return memory.getQueue(name, count).map(q -> new Unknown(q, dropDelays));
            }

            @Override
            public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
                return new Unknown(memory.createQueue(name, count), dropDelays);
            }

            @Override
            public Set<MailQueueName> listCreatedMailQueues() {
                return memory.listCreatedMailQueues();
            }
        };
    }

    @Test
    void jamesMemoryQueueIsKnownByItsClass() {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        QueueDelaySupport.Detection found = QueueDelaySupport.detect(memory, memory.createQueue(MailQueueName.of("out")), WAIT);
        assertThat(found.honoursDelays()).isTrue();
        assertThat(found.how()).contains("known by its class");
        assertThat(memory.listCreatedMailQueues()).extracting(MailQueueName::asString).doesNotContain(QueueDelaySupport.PROBE_QUEUE);
    }

    @Test
    void anUnknownQueueIsProbedEitherWay() throws Exception {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        MailQueueFactory<MailQueue> honouring = factory(memory, false);
        QueueDelaySupport.Detection held = QueueDelaySupport.detect(honouring, honouring.createQueue(MailQueueName.of("out")), WAIT);
        assertThat(held.honoursDelays()).as(held.how()).isTrue();
        assertThat(held.how()).startsWith("probed");

        MailQueueFactory<MailQueue> dropping = factory(new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory()), true);
        QueueDelaySupport.Detection ignored = QueueDelaySupport.detect(dropping, dropping.createQueue(MailQueueName.of("out")), WAIT);
        assertThat(ignored.honoursDelays()).as(ignored.how()).isFalse();
        assertThat(ignored.how()).contains("gave back a mail enqueued with a delay");
    }
}
