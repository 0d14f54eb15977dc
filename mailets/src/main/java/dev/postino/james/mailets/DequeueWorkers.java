package dev.postino.james.mailets;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.delivery.Backoff;

/**
 * Takes items from a mail queue's dequeue stream and hands each to a worker, at most {@code parallelism} at once,
 * until {@link #stop()}. When the stream ends or fails (James 3.8.1's memory queue ends it, for one, and a broker
 * connection can drop), it subscribes again after a {@link Backoff} pause, with one log line each time; the pause
 * starts over once an item arrives. Items in hand when a stream ends are finished and count against the next
 * subscription's demand, so the bound holds across subscriptions.
 *
 * @param <T> the queue's item type
 */
final class DequeueWorkers<T> {

    private static final Logger LOGGER = LoggerFactory.getLogger(DequeueWorkers.class);

    private final String name;
    private final Supplier<? extends Publisher<? extends T>> stream;
    private final Consumer<? super T> handler;
    private final int parallelism;
    private final Executor workers;
    private final BiConsumer<Runnable, Duration> delayer;
    private final Backoff backoff;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}: items handed to the workers and not finished. */
    private int inFlight;
    /** Guarded by {@link #lock}: the live subscription, null between a stream's end and the next subscription. */
    private Subscription current;
    /** Guarded by {@link #lock}: which subscriber is the live one; older ones are ignored. */
    private long generation;
    /** Guarded by {@link #lock}: stream ends since the last item. */
    private int endsInARow;
    private volatile boolean running;

    /**
     * @param name        for the log
     * @param stream      a new subscription's publisher (e.g. {@code queue::deQueue})
     * @param handler     what a worker does with an item; it must not throw
     * @param parallelism the most items in hand at once
     * @param workers     where items are handled
     * @param delayer     runs a task after a pause (a scheduler in production, a recorder in tests)
     */
    DequeueWorkers(String name, Supplier<? extends Publisher<? extends T>> stream, Consumer<? super T> handler,
                   int parallelism, Executor workers, BiConsumer<Runnable, Duration> delayer, Backoff backoff) {
        this.name = Objects.requireNonNull(name, "name");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.handler = Objects.requireNonNull(handler, "handler");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
        }
        this.parallelism = parallelism;
        this.workers = Objects.requireNonNull(workers, "workers");
        this.delayer = Objects.requireNonNull(delayer, "delayer");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
    }

    void start() {
        running = true;
        subscribe();
    }

    /** No new subscription and no more demand; items in hand are finished by their workers. */
    void stop() {
        running = false;
        Subscription live;
        synchronized (lock) {
            live = current;
            current = null;
            generation++;
        }
        if (live != null) {
            live.cancel();
        }
    }

    private void subscribe() {
        long id;
        synchronized (lock) {
            if (!running) {
                return;
            }
            id = ++generation;
        }
        try {
            stream.get().subscribe(new Worker(id));
        } catch (RuntimeException e) {
            ended(id, e);
        }
    }

    private void ended(long id, Throwable error) {
        Duration pause;
        synchronized (lock) {
            if (!running || id != generation) {
                return;
            }
            current = null;
            generation++;
            pause = backoff.delay(++endsInARow);
        }
        if (error == null) {
            LOGGER.warn("The {} mail queue ended its stream; taking mails again in {} ms", name, pause.toMillis());
        } else {
            LOGGER.warn("The {} mail queue's stream failed ({}); taking mails again in {} ms", name, error, pause.toMillis());
        }
        delayer.accept(this::subscribe, pause);
    }

    private void finished() {
        synchronized (lock) {
            inFlight--;
            if (current != null) {
                current.request(1);
            }
        }
    }

    private final class Worker implements Subscriber<T> {
        private final long id;

        Worker(long id) {
            this.id = id;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            synchronized (lock) {
                if (!running || id != generation) {
                    subscription.cancel();
                    return;
                }
                current = subscription;
                // Items still in hand from an ended stream hold their places.
                int free = parallelism - inFlight;
                if (free > 0) {
                    subscription.request(free);
                }
            }
        }

        @Override
        public void onNext(T item) {
            synchronized (lock) {
                inFlight++;
                endsInARow = 0;
            }
            try {
                workers.execute(() -> {
                    try {
                        handler.accept(item);
                    } finally {
                        finished();
                    }
                });
            } catch (RejectedExecutionException stopping) {
                synchronized (lock) {
                    inFlight--;
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            ended(id, error);
        }

        @Override
        public void onComplete() {
            ended(id, null);
        }
    }

    /**
     * The threads of a queue's workers: {@code count} daemon workers ({@code PREFIX-1}...) and a timer thread for the
     * pauses and periodic chores; {@link #close()} ends both, waiting up to 10 s for deliveries in hand.
     */
    static final class Threads implements AutoCloseable {
        final ExecutorService workers;
        private final ScheduledExecutorService timer;

        Threads(String prefix, int count) {
            AtomicInteger made = new AtomicInteger();
            workers = Executors.newFixedThreadPool(count, r -> daemon(r, prefix + "-" + made.incrementAndGet()));
            timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, prefix + "-timer"));
        }

        /** The delayer for {@link DequeueWorkers}: nothing is scheduled once closed. */
        void later(Runnable task, Duration delay) {
            try {
                timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                // close() came first: no more subscriptions
            }
        }

        /** Runs {@code task} now, then every {@code period} until closed. */
        void every(Duration period, Runnable task) {
            task.run();
            timer.scheduleWithFixedDelay(task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
            workers.shutdownNow();
            try {
                workers.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static Thread daemon(Runnable task, String name) {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        }
    }
}
