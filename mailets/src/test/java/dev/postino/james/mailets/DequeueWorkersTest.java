package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import dev.postino.core.delivery.Backoff;

/** The dequeue workers against a stream the test drives by hand: no threads, no clock. */
class DequeueWorkersTest {

    /** One subscription to the fake stream: its subscriber and the demand it signalled. */
    private static final class Stream implements Subscription {
        final Subscriber<? super String> subscriber;
        long demand;
        boolean cancelled;

        Stream(Subscriber<? super String> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            demand += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        void emit(String item) {
            assertThat(demand).as("demand before " + item).isPositive();
            demand--;
            subscriber.onNext(item);
        }
    }

    private record Delayed(Runnable task, Duration delay) {
    }

    private final List<Stream> streams = new ArrayList<>();
    private final Queue<Runnable> work = new ArrayDeque<>();
    private final List<Delayed> delayed = new ArrayList<>();
    private final List<String> handled = new ArrayList<>();
    private int failSubscriptions;
    private DequeueWorkers<String> workers;

    @BeforeEach
    void create() {
        Publisher<String> queue = subscriber -> {
            if (failSubscriptions > 0) {
                failSubscriptions--;
                throw new IllegalStateException("queue closed");
            }
            Stream stream = new Stream(subscriber);
            streams.add(stream);
            subscriber.onSubscribe(stream);
        };
        workers = new DequeueWorkers<>("test", () -> queue, handled::add, 2, work::add,
            (task, delay) -> delayed.add(new Delayed(task, delay)), Backoff.DEFAULT);
    }

    private Stream live() {
        return streams.get(streams.size() - 1);
    }

    private void runWork() {
        while (!work.isEmpty()) {
            work.poll().run();
        }
    }

    /** Runs the one pending resubscription and returns its pause. */
    private Duration resubscribe() {
        assertThat(delayed).hasSize(1);
        Delayed next = delayed.remove(0);
        next.task().run();
        return next.delay();
    }

    @Test
    void aStreamThatCompletesIsSubscribedAgainAndItemsKeepFlowing() {
        workers.start();
        assertThat(live().demand).isEqualTo(2);
        live().emit("a");
        live().emit("b");

        live().subscriber.onComplete();
        work.poll().run(); // "a" finishes while there is no live stream

        assertThat(resubscribe()).isEqualTo(Duration.ofMillis(100));
        assertThat(streams).hasSize(2);
        assertThat(live().demand).as("b is still in hand").isEqualTo(1);
        live().emit("c");
        runWork();
        assertThat(live().demand).isEqualTo(2);
        assertThat(handled).containsExactly("a", "b", "c");
    }

    @Test
    void aFailingStreamIsSubscribedAgainLikewise() {
        workers.start();
        live().emit("a");

        live().subscriber.onError(new IllegalStateException("scheduler disposed"));
        runWork();

        assertThat(resubscribe()).isEqualTo(Duration.ofMillis(100));
        live().emit("b");
        runWork();
        assertThat(handled).containsExactly("a", "b");
    }

    @Test
    void repeatedEndsBackOffUpToTenSecondsAndAnItemStartsThePauseOver() {
        workers.start();
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            live().subscriber.onComplete();
            pauses.add(resubscribe().toMillis());
        }
        assertThat(pauses).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 10_000L, 10_000L);

        live().emit("a");
        live().subscriber.onComplete();

        assertThat(resubscribe()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aSubscriptionThatThrowsIsTriedAgain() {
        failSubscriptions = 2;

        workers.start();
        assertThat(resubscribe()).isEqualTo(Duration.ofMillis(100));
        assertThat(resubscribe()).isEqualTo(Duration.ofMillis(200));

        assertThat(streams).hasSize(1);
        live().emit("a");
        runWork();
        assertThat(handled).containsExactly("a");
    }

    @Test
    void anEndedStreamSignallingAgainIsIgnored() {
        workers.start();
        Stream first = live();
        first.subscriber.onComplete();
        first.subscriber.onError(new IllegalStateException("late"));

        assertThat(delayed).hasSize(1);
    }

    @Test
    void afterStopNothingSubscribesAgain() {
        workers.start();
        live().emit("a");

        workers.stop();
        live().subscriber.onComplete();

        assertThat(live().cancelled).isTrue();
        assertThat(delayed).isEmpty();
        runWork();
        assertThat(handled).containsExactly("a");
        assertThat(streams).hasSize(1);
    }
}
