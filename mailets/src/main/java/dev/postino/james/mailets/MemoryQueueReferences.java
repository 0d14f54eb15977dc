package dev.postino.james.mailets;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.queue.api.MailQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps James 3.8.1's memory mail queue alive under WebAdmin. That queue counts references ({@code createQueue} and
 * {@code getQueue} take one, {@code close} gives one back) and, at zero, disposes its scheduler (its dequeue stream
 * fails and no new one can start) and disposes and drops every mail it holds. WebAdmin's
 * {@code GET /mailQueues/{name}/mails} takes one reference and gives back two, so one browse of the outgoing queue
 * was enough to stop remote delivery for good and lose what was queued. This tops the count up to
 * {@link #RESERVE} through {@code createQueue}, the queue's own way of taking a reference, whenever
 * {@link #topUp()} runs (at start and then every second): far more browses than a second can hold.
 * The count is read by reflection, only on that exact class; with any other queue this does nothing.
 */
final class MemoryQueueReferences {

    static final String MEMORY_QUEUE_CLASS = "org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue";
    /** References held in reserve: each WebAdmin browse costs one. */
    static final int RESERVE = 1000;

    private static final Logger LOGGER = LoggerFactory.getLogger(MemoryQueueReferences.class);

    private final AtomicInteger references;
    private final Runnable takeReference;

    private MemoryQueueReferences(AtomicInteger references, Runnable takeReference) {
        this.references = references;
        this.takeReference = takeReference;
    }

    /**
     * For James's memory queue, the keeper of its references; else empty.
     *
     * @param takeReference takes one reference the James way (the factory's {@code createQueue} for the queue's name)
     */
    static Optional<MemoryQueueReferences> of(MailQueue queue, Runnable takeReference) {
        if (!queue.getClass().getName().equals(MEMORY_QUEUE_CLASS)) {
            return Optional.empty();
        }
        try {
            Field field = queue.getClass().getDeclaredField("references");
            field.setAccessible(true);
            return Optional.of(new MemoryQueueReferences((AtomicInteger) field.get(queue), takeReference));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOGGER.warn("Cannot watch the reference count of James's memory queue {} ({}); a WebAdmin browse of it may"
                + " stop remote delivery", queue.getName().asString(), e.toString());
            return Optional.empty();
        }
    }

    /** Takes references until {@link #RESERVE} are held; returns how many it took. */
    int topUp() {
        int taken = 0;
        while (references.get() < RESERVE && taken < RESERVE) {
            takeReference.run();
            taken++;
        }
        return taken;
    }

    int count() {
        return references.get();
    }
}
