package dev.postino.core.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One thread and one selector for all of a {@link DnsClient}'s sockets, with a timer for their deadlines:
 * a query waiting for its answer holds a socket and a timer entry, never a thread. Every method except
 * {@link #execute} and {@link #close} is for the loop's own thread, so the state it serves needs no locks.
 */
final class DnsLoop implements AutoCloseable {

    /** Reacts to its channel being ready. Runs on the loop thread; must not block. */
    interface Handler {
        void ready(SelectionKey key);
    }

    /** A pending timer; {@link #cancel} is idempotent. */
    static final class Timer implements Comparable<Timer> {
        private final long deadlineNanos;
        private final long sequence;
        private final Runnable action;
        private boolean cancelled;

        private Timer(long deadlineNanos, long sequence, Runnable action) {
            this.deadlineNanos = deadlineNanos;
            this.sequence = sequence;
            this.action = action;
        }

        void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(deadlineNanos - other.deadlineNanos, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Runnable onExit;
    /** One datagram at a time is read, so one buffer serves every socket. */
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(65535);
    private long timerSequence;
    private boolean closed;

    /**
     * @param threadName the loop thread's name
     * @param onExit runs on the loop thread once it stops, after the tasks queued before {@link #close}
     */
    DnsLoop(String threadName, Runnable onExit) {
        this.onExit = onExit;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for DNS", e);
        }
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the loop thread; false (and the task never runs) once the loop is closed. */
    boolean execute(Runnable task) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            tasks.add(task);
        }
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
        return true;
    }

    /** Runs {@code action} on the loop thread at {@code deadlineNanos} ({@link System#nanoTime()}) unless cancelled. */
    Timer schedule(long deadlineNanos, Runnable action) {
        Timer timer = new Timer(deadlineNanos, timerSequence++, action);
        timers.add(timer);
        return timer;
    }

    SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    ByteBuffer receiveBuffer() {
        return receiveBuffer.clear();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        while (!isClosed()) {
            try {
                long wait = millisToNextTimer();
                if (wait == 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait < 0 ? 0 : wait);
                }
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (key.isValid() && key.attachment() instanceof Handler handler) {
                        runGuarded(() -> handler.ready(key));
                    }
                }
                runDueTimers();
                runTasks();
            } catch (IOException | RuntimeException unexpected) {
                // a selector failure would spin here; the handlers guard themselves, so this is only a pause
                pause();
            }
        }
        runTasks();
        runGuarded(onExit);
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** -1 for no timer, 0 for one already due, else the milliseconds until the next (rounded up). */
    private long millisToNextTimer() {
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        if (!tasks.isEmpty()) {
            return 0;
        }
        Timer next = timers.peek();
        if (next == null) {
            return -1;
        }
        long left = next.deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().deadlineNanos - now <= 0) {
            Timer timer = timers.poll();
            if (!timer.cancelled) {
                timer.cancelled = true;
                runGuarded(timer.action);
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runGuarded(task);
        }
    }

    private static void runGuarded(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException bug) {
            // a bug in one task must not stop the loop that every lookup depends on; the task's own
            // lookup is completed by its guard, this is the last line
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    static void closeQuietly(java.io.Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    /** Stops the loop; tasks queued before run first, then {@code onExit}; waits for the thread (briefly). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
