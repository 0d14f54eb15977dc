package dev.postino.james.mailets;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.server.core.MailImpl;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Whether a James mail queue honours {@code enQueue(mail, delay)}. Known queues by their class: James's memory,
 * ActiveMQ (JMS), file and Pulsar queues do; its RabbitMQ queue does not (3.8.1 logs "Ignored delay upon enqueue" and
 * enqueues at once). Any other queue is probed: a test mail enqueued with a delay of an hour into a queue of its own
 * ({@value #PROBE_QUEUE}); if it can be taken back within the probe's wait, the queue ignores delays.
 */
final class QueueDelaySupport {

    static final String PROBE_QUEUE = "postino-delay-probe";
    private static final Duration PROBE_DELAY = Duration.ofHours(1);

    private static final List<String> HONOURING = List.of("org.apache.james.queue.memory.", "org.apache.james.queue.activemq.",
        "org.apache.james.queue.jms.", "org.apache.james.queue.file.", "org.apache.james.queue.pulsar.");
    private static final List<String> IGNORING = List.of("org.apache.james.queue.rabbitmq.");

    /** What was found, and how (for the log line). */
    record Detection(boolean honoursDelays, String how) {
    }

    private QueueDelaySupport() {
    }

    static Detection detect(MailQueueFactory<?> factory, MailQueue queue, Duration probeWait) {
        String queueClass = queue.getClass().getName();
        for (String prefix : IGNORING) {
            if (queueClass.startsWith(prefix)) {
                return new Detection(false, "known by its class " + queueClass);
            }
        }
        for (String prefix : HONOURING) {
            if (queueClass.startsWith(prefix)) {
                return new Detection(true, "known by its class " + queueClass);
            }
        }
        return probe(factory, queueClass, probeWait);
    }

    private static Detection probe(MailQueueFactory<?> factory, String queueClass, Duration wait) {
        MailQueue probe = factory.createQueue(MailQueueName.of(PROBE_QUEUE));
        CompletableFuture<MailQueue.MailQueueItem> taken = new CompletableFuture<>();
        Subscription[] subscription = new Subscription[1];
        try {
            // octets, not setText: writing a text part needs javax.mail's handlers, which James's extension loader may not see
            MailImpl mail = MailImpl.builder().name("postino-delay-probe-" + UUID.randomUUID()).sender("postmaster@localhost")
                .addRecipient("postmaster@localhost")
                .mimeMessage(new MimeMessage(Session.getDefaultInstance(new Properties()), new ByteArrayInputStream(
                    "Subject: Postino's probe: does this queue honour delays?\r\n\r\nprobe\r\n".getBytes(StandardCharsets.US_ASCII))))
                .build();
            probe.enQueue(mail, PROBE_DELAY);
            probe.deQueue().subscribe(new Subscriber<MailQueue.MailQueueItem>() {
                @Override
                public void onSubscribe(Subscription s) {
                    subscription[0] = s;
                    s.request(1);
                }

                @Override
                public void onNext(MailQueue.MailQueueItem item) {
                    taken.complete(item);
                }

                @Override
                public void onError(Throwable t) {
                    taken.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    taken.completeExceptionally(new IllegalStateException("the stream ended"));
                }
            });
            MailQueue.MailQueueItem item = taken.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
            return new Detection(false, "probed: " + queueClass + " gave back a mail enqueued with a delay of " + PROBE_DELAY.toHours() + "h at once");
        } catch (TimeoutException e) {
            return new Detection(true, "probed: " + queueClass + " held a mail enqueued with a delay for " + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Detection(false, "probe of " + queueClass + " interrupted; assuming it ignores delays");
        } catch (Exception e) {
            return new Detection(false, "probe of " + queueClass + " failed (" + e + "); assuming it ignores delays");
        } finally {
            if (subscription[0] != null) {
                subscription[0].cancel();
            }
            if (probe instanceof ManageableMailQueue manageable) {
                try {
                    manageable.clear();
                } catch (Exception ignored) {
                    // a probe mail left behind in its own queue is never delivered anywhere
                }
            }
        }
    }
}
